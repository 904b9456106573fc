"""The decoding benchmark on real eegmmidb runs: MNE's published CSP figure is reproduced,
a small AE pipeline runs fold by fold and learns (accuracy well above chance), the deployed
decision path of an AE row gives the classifier's decisions, and several subjects run into one report."""

import json

import numpy as np
import pytest
import torch

from constrae.bench.baselines import csp_lda, mne_protocol_epochs
from constrae.bench.decode import (
    AEVariant,
    accuracy_and_auc,
    crop_model_inputs,
    evaluate,
    fold_inputs,
    splits_for,
    task_crops,
    with_labelled_crops,
)
from constrae.bench.linear_decision import DeployedDecoder
from constrae.bench.report import write_decode_report
from constrae.bench.subjects import evaluate_subjects
from constrae.bench.summary import ALL_ZERO, REFERENCE_METHOD
from constrae.bench.tasks import load_task
from constrae.bench.variants import CLASSIFIERS, train_autoencoder
from constrae.core.labels import UNLABELLED
from constrae.data.crops import crops_of, of_trials
from constrae.errors import ConfigError, DataError

TINY_TRAIN = {"epochs": 1, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0}
TINY_TANGENT = AEVariant(
    "tiny ReLU (tangent)", "tangent_space", {"hidden_size": 16, "activation": "relu"}, [], TINY_TRAIN
)
TINY_RAW = AEVariant(
    "tiny spatiotemporal (raw)",
    "raw",
    {
        "hidden_size": 16,
        "activation": "relu",
        "encoder": "spatiotemporal",
        "encoder_params": {"channels": 64, "virtual_channels": 4, "filters": 2, "kernel": 25, "stride": 5},
    },
    [],
    TINY_TRAIN,
)


@pytest.fixture(scope="module")
def fists_feet(shared_data):
    return load_task("imagery_fists_feet", shared_data / "eegmmidb" / "S001")


def test_trials_line_up_with_mne_epochs(fists_feet):
    epochs_NCW, labels_N = mne_protocol_epochs(fists_feet.paths, ["T1", "T2"])
    assert epochs_NCW.shape == (45, 64, 161)
    assert list(labels_N) == list(fists_feet.trials.labels_N)


@pytest.mark.slow
def test_csp_lda_reproduces_mnes_published_accuracy(fists_feet):
    """MNE's example and ../shared/data/README.md give 0.933 for this protocol."""
    epochs_NCW, labels_N = mne_protocol_epochs(fists_feet.paths, ["T1", "T2"])
    y_N = (labels_N == "T2").astype(int)
    accuracies = []
    for train_N, test_N in splits_for(len(y_N), 10):
        scores_N = csp_lda().fit(epochs_NCW[train_N], y_N[train_N]).decision_function(epochs_NCW[test_N])
        accuracies.append(accuracy_and_auc(scores_N, y_N[test_N])[0])
    assert np.mean(accuracies) == pytest.approx(0.933, abs=0.001)


@pytest.mark.slow
def test_small_benchmark_runs_every_method_and_the_tangent_ae_learns(fists_feet, tmp_path):
    variants = [
        AEVariant(
            "small ReLU + L1 (tangent)",
            "tangent_space",
            {"hidden_size": 128, "activation": "relu"},
            [{"name": "l1_codes", "lam": 1e-3}],
            {"epochs": 10, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0},
        ),
    ]
    rows = evaluate([fists_feet], variants, folds=2, progress=False)
    methods = [r.method for r in rows]
    assert methods == [
        "CSP+LDA (MNE protocol)",
        "CSP+LDA (causal IIR filter)",
        "CSP+LDA (causal, crops)",
        "tangent space+LR (pyriemann)",
        "AE small ReLU + L1 (tangent) + LDA",
        "AE small ReLU + L1 (tangent) + LR",
    ]
    for r in rows:
        assert len(r.fold_accuracies) == 2 and 0 <= r.accuracy_mean <= 1 and r.latency_us > 0
    ae = rows[4]
    assert ae.features == 128
    assert ae.accuracy_mean >= 0.7, "tangent-space AE codes should decode fists vs feet well above chance"
    written = write_decode_report(rows, tmp_path, "test run")
    assert [p.name for p in written] == ["decode.json", "decode.md", "decode.png"]
    assert len(json.loads((tmp_path / "decode.json").read_text())["rows"]) == 6
    assert "| CSP+LDA (MNE protocol) |" in (tmp_path / "decode.md").read_text()


def test_unknown_task_and_missing_runs_are_named(shared_data, tmp_path):
    with pytest.raises(DataError, match=r"unknown task 'imagery_tongue'; allowed: imagery_fists_feet"):
        load_task("imagery_tongue", shared_data / "eegmmidb" / "S001")
    (tmp_path / "S002").mkdir()
    with pytest.raises(DataError, match=r"recordings not found: .*S002R06.edf"):
        load_task("imagery_fists_feet", tmp_path / "S002")


@pytest.mark.parametrize("variant", [TINY_TANGENT, TINY_RAW], ids=lambda v: v.representation)
def test_the_deployed_path_decides_as_the_classifier_on_the_benchmarks_codes(fists_feet, variant):
    """Filtered trial windows through FeatureExtractor's fastest backend and the dot product give
    the decision_function the benchmark scored (torch codes of the same windows, scikit-learn)."""
    y_N = (fists_feet.trials.labels_N == "T2").astype(int)
    train_N, test_N = splits_for(len(y_N), 1)[0]
    fold = fold_inputs(fists_feet, test_N, variant.representation)
    model = train_autoencoder(variant, fold.X_train)
    with torch.no_grad():
        codes_NH = model.encode(torch.from_numpy(fold.X_trials)).numpy()
    for make in CLASSIFIERS.values():
        classifier = make().fit(codes_NH[train_N], y_N[train_N])
        decoder = DeployedDecoder(model, fold.preprocessing, classifier)
        deployed_N = np.array([decoder.decision(window_CW) for window_CW in fold.trial_windows_NCW])
        expected_N = classifier.decision_function(codes_NH)
        tolerance = 1e-4 * np.abs(expected_N).max()
        np.testing.assert_allclose(deployed_N, expected_N, rtol=1e-4, atol=tolerance)
        # Float32 codes of two backends differ in the last bits: a decision that close to 0 may go either way.
        clear_N = np.abs(expected_N) > tolerance
        decided_N = np.array([decoder.decide(window_CW) for window_CW in fold.trial_windows_NCW])
        assert clear_N.sum() > len(clear_N) // 2
        np.testing.assert_array_equal(decided_N[clear_N], classifier.predict(codes_NH)[clear_N])


@pytest.mark.slow
def test_two_subjects_one_fold_give_per_subject_rows_and_a_summary(shared_data, tmp_path):
    subjects = [shared_data / "eegmmidb" / name for name in ("S001", "S012")]
    lines: list[str] = []
    run = evaluate_subjects(
        subjects, ["imagery_left_right", "imagery_fists_feet"], [TINY_TANGENT], 1, False, lines.append
    )
    assert lines == ["skipped S012 imagery_fists_feet: missing S012R06.edf, S012R10.edf, S012R14.edf"]
    write_decode_report(run.rows, tmp_path, "test run", run.skipped)
    document = json.loads((tmp_path / "decode.json").read_text())
    assert document["subjects"] == ["S001", "S012"]
    left_right = [r for r in document["rows"] if r["task"] == "imagery_left_right"]
    assert [r["subject"] for r in left_right] == ["S001"] * 6 + ["S012"] * 6
    assert all(len(r["fold_accuracies"]) == 1 and r["latency_us"] > 0 for r in document["rows"])
    summary = {(s["task"], s["method"]): s for s in document["summary"]}
    assert len(summary) == 12
    reference = summary[("imagery_left_right", REFERENCE_METHOD)]
    assert (reference["subjects"], reference["ties"], reference["no_test_reason"]) == (2, 2, ALL_ZERO)
    ae = summary[("imagery_left_right", "AE tiny ReLU (tangent) + LDA")]
    assert ae["subjects"] == 2 and ae["wins"] + ae["ties"] + ae["losses"] == 2
    assert summary[("imagery_fists_feet", REFERENCE_METHOD)]["subjects"] == 1
    assert "## imagery_left_right: over 2 subjects" in (tmp_path / "decode.md").read_text()


def test_crops_start_every_hop_within_reach_of_their_trial_and_inside_the_recording(fists_feet):
    sfreq, window = 160.0, 160
    n_samples = [recording.n_samples for recording in fists_feet.recordings]
    crops = crops_of(fists_feet.trials, sfreq, n_samples, window, 0.5, 0.125)
    trials = fists_feet.trials
    offsets_M = crops.trials.starts_N - trials.starts_N[crops.trial_M]
    assert set(offsets_M.tolist()) == {-80, -60, -40, -20, 0, 20, 40, 60, 80}
    assert np.array_equal(crops.trials.labels_N, trials.labels_N[crops.trial_M])
    assert np.array_equal(crops.trials.recording_N, trials.recording_N[crops.trial_M])
    ends_M = crops.trials.starts_N + window
    assert (crops.trials.starts_N >= 0).all() and (ends_M <= np.array(n_samples)[crops.trials.recording_N]).all()
    assert np.array_equal(np.unique(crops.trial_M), np.arange(len(trials.starts_N)))
    alone = crops_of(trials, sfreq, n_samples, window, 0.0, 0.125)
    assert np.array_equal(alone.trials.starts_N, trials.starts_N) and np.array_equal(alone.trial_M, np.arange(45))


def test_a_fold_fits_on_the_crops_of_its_training_trials_only(fists_feet):
    y_N = (fists_feet.trials.labels_N == "T2").astype(int)
    train_N, test_N = splits_for(len(y_N), 1)[0]
    crops = task_crops(fists_feet, 0.5)
    rows_M = of_trials(crops, train_N)
    assert set(crops.trial_M[rows_M].tolist()) == set(train_N.tolist())
    assert not np.isin(crops.trial_M[rows_M], test_N).any()
    fold = fold_inputs(fists_feet, test_N, "raw")
    X_crops = crop_model_inputs(fists_feet, fold, crops, rows_M)
    X_W, labels_W = with_labelled_crops(fold.X_train, X_crops, y_N[crops.trial_M[rows_M]])
    assert len(X_W) == len(labels_W) == len(fold.X_train) + len(rows_M)
    assert (labels_W[: len(fold.X_train)] == UNLABELLED).all()
    assert np.array_equal(labels_W[len(fold.X_train) :], y_N[crops.trial_M[rows_M]])
    own_M = rows_M[crops.trials.starts_N[rows_M] == fists_feet.trials.starts_N[crops.trial_M[rows_M]]]
    np.testing.assert_array_equal(
        crop_model_inputs(fists_feet, fold, crops, own_M), fold.X_trials[crops.trial_M[own_M]]
    )


def test_a_labelled_csp_variant_trains_and_decodes_above_chance(fists_feet):
    """A fixed CSP projection from the training trials' windows, then codes: S001 fists vs feet."""
    variant = AEVariant(
        "tiny CSP (raw)",
        "raw",
        {
            "hidden_size": 8,
            "activation": "linear",
            "encoder": "power",
            "encoder_params": {"channels": 64, "virtual_channels": 4, "correlations": False, "whitening": "csp"},
        },
        [],
        TINY_TRAIN,
        labelled=True,
    )
    y_N = (fists_feet.trials.labels_N == "T2").astype(int)
    train_N, test_N = splits_for(len(y_N), 1)[0]
    fold = fold_inputs(fists_feet, test_N, "raw")
    with pytest.raises(ConfigError, match=r"variant 'tiny CSP \(raw\)' is labelled"):
        train_autoencoder(variant, fold.X_train)
    crops = task_crops(fists_feet, 0.5)
    rows_M = of_trials(crops, train_N)
    X_crops = crop_model_inputs(fists_feet, fold, crops, rows_M)
    X_W, labels_W = with_labelled_crops(fold.X_train, X_crops, y_N[crops.trial_M[rows_M]])
    model = train_autoencoder(variant, X_W, labels_W=labels_W)
    with torch.no_grad():
        codes_NH = model.encode(torch.from_numpy(fold.X_trials)).numpy()
    classifier = CLASSIFIERS["LDA"]().fit(codes_NH[train_N], y_N[train_N])
    assert accuracy_and_auc(classifier.decision_function(codes_NH[test_N]), y_N[test_N])[0] >= 0.75


def test_any_recordings_with_a_stim_channel_make_a_task_whose_trials_line_up_with_mne(fists_feet, tmp_path):
    """S001's runs saved as FIF with the events on a stim channel, no annotations: the trials and
    MNE's epochs of the codes equal those of the annotated files."""
    import mne

    from constrae.bench.tasks import load_recordings_task

    paths = []
    for index, path in enumerate(fists_feet.paths):
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        events, _ = mne.events_from_annotations(raw, event_id={"T1": 2, "T2": 3}, verbose="error")
        stim = np.zeros((1, raw.n_times))
        for onset, _, code in events:
            stim[0, onset - raw.first_samp : onset - raw.first_samp + 656] = code
        raw.set_annotations(None)
        raw.add_channels(
            [mne.io.RawArray(stim, mne.create_info(["STI 014"], raw.info["sfreq"], "stim"), verbose="error")]
        )
        paths.append(tmp_path / f"run{index}_raw.fif")
        raw.save(paths[-1], verbose="error")
    task = load_recordings_task(paths, ["2", "3"])
    np.testing.assert_array_equal(task.trials.starts_N, fists_feet.trials.starts_N)
    assert [{"2": "T1", "3": "T2"}[label] for label in task.trials.labels_N] == list(fists_feet.trials.labels_N)
    epochs_NCW, labels_N = mne_protocol_epochs(task.paths, task.classes)
    expected_NCW, _ = mne_protocol_epochs(fists_feet.paths, ["T1", "T2"])
    assert list(labels_N) == list(task.trials.labels_N)
    # FIF keeps the samples as float32.
    np.testing.assert_allclose(epochs_NCW, expected_NCW, rtol=0, atol=1e-5 * np.abs(expected_NCW).max())


@pytest.mark.slow
def test_bench_decode_on_recordings_gives_the_rows_of_the_eegmmidb_task(shared_data, tmp_path):
    from typer.testing import CliRunner

    from constrae.cli import app

    s001 = shared_data / "eegmmidb" / "S001"
    common = ["bench", "decode", "--folds", "2", "--variant", "power CSP-4 fixed, linear, semi-supervised (raw)"]
    by_task = CliRunner().invoke(
        app, [*common, "--subject", str(s001), "--task", "imagery_fists_feet", "--out", str(tmp_path / "a")]
    )
    recordings = [arg for run in (6, 10, 14) for arg in ("--recording", str(s001 / f"S001R{run:02d}.edf"))]
    by_files = CliRunner().invoke(app, [*common, *recordings, "--out", str(tmp_path / "b")])
    assert by_task.exit_code == 0 and by_files.exit_code == 0, by_task.output + by_files.output
    rows = [json.loads((tmp_path / out / "decode.json").read_text())["rows"] for out in ("a", "b")]
    assert [(r["method"], r["fold_accuracies"]) for r in rows[0]] == [
        (r["method"], r["fold_accuracies"]) for r in rows[1]
    ]
    assert {r["task"] for r in rows[1]} == {"custom"} and {r["subject"] for r in rows[1]} == {"S001"}
