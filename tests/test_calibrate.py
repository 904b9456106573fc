"""``constrae calibrate``: a new user's alignment from their windows without labels, a decoder
from their first trials, written as a run folder that encodes like any run."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from constrae.cli import app
from constrae.data import EEGConfig, Preprocessing, read_recording
from constrae.data.trials import trials_of
from constrae.inference.extractor import FeatureExtractor
from constrae.io import run_folder
from constrae.stream.decoder import LinearDecoder
from small_runs import MOTOR_CHANNELS as CHANNELS
from small_runs import train_tangent_run

NEW_USER = "S013"


@pytest.fixture(scope="module")
def population_run(tmp_path_factory, shared_data):
    return train_tangent_run(tmp_path_factory.mktemp("population") / "run", shared_data, ["S001", "S012"], CHANNELS, 8)


def as_npz(recording, path, swap_labels: bool = False):
    """The recording as an .npz file, its T1 and T2 events relabelled each as the other when asked."""
    labels = recording.events.labels_E
    if swap_labels:
        labels = np.where(labels == "T1", "T2", np.where(labels == "T2", "T1", labels))
    np.savez(
        path,
        signals=recording.signals_CT,
        sfreq=recording.sfreq,
        channels=np.array(recording.channels),
        event_onsets=recording.events.onsets_E,
        event_durations=recording.events.durations_E,
        event_labels=labels,
    )
    return path


def calibrate(run, recording_path, out, *options):
    result = CliRunner().invoke(app, ["calibrate", str(run), str(recording_path), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def new_user(shared_data):
    return read_recording(shared_data / "eegmmidb" / NEW_USER / f"{NEW_USER}R04.edf")


def test_the_calibrated_folder_aligns_on_the_users_windows_and_decides_as_lda_on_their_first_trials(
    population_run, new_user, tmp_path
):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    path = as_npz(new_user, tmp_path / "user.npz")
    out = calibrate(population_run, path, tmp_path / "calibrated", "--trials-per-class", "3")
    expected = Preprocessing.fit(
        [read_recording(path)], EEGConfig(hop_seconds=0.5, channels=CHANNELS, representation="tangent_space")
    )
    assert run_folder.load_preprocessing(out).to_mapping() == expected.to_mapping()
    extractor = FeatureExtractor.load(out)
    trials = trials_of([new_user], ["T1", "T2"], 1.0, extractor.preprocessing.window)
    first = np.sort(np.concatenate([np.flatnonzero(trials.labels_N == c)[:3] for c in ("T1", "T2")]))
    features_NH = trials.gather([new_user], extractor.transform_recording)
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(features_NH[first], trials.labels_N[first])
    decoder = LinearDecoder.load(out)
    assert [decoder.decide(f) for f in features_NH] == lda.predict(features_NH).tolist()
    assert json.loads((out / "calibration.json").read_text())["trials_per_class"] == {"T1": 3, "T2": 3}
    encoded = CliRunner().invoke(app, ["encode", str(out), str(path), "-o", str(tmp_path / "codes.npy")])
    assert encoded.exit_code == 0, encoded.output
    np.testing.assert_allclose(np.load(tmp_path / "codes.npy"), extractor.transform_recording(new_user), rtol=1e-6)


def test_poisoned_labels_change_the_decoder_but_not_the_alignment(population_run, new_user, tmp_path):
    honest = calibrate(population_run, as_npz(new_user, tmp_path / "a.npz"), tmp_path / "honest")
    swapped = calibrate(population_run, as_npz(new_user, tmp_path / "b.npz", swap_labels=True), tmp_path / "swapped")
    assert run_folder.load_preprocessing(swapped).to_mapping() == run_folder.load_preprocessing(honest).to_mapping()
    features_NH = FeatureExtractor.load(honest).transform_recording(new_user)
    flipped = {"T1": "T2", "T2": "T1"}
    honest_decisions = [LinearDecoder.load(honest).decide(f) for f in features_NH]
    assert [flipped[d] for d in (LinearDecoder.load(swapped).decide(f) for f in features_NH)] == honest_decisions


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trials-per-class", "40"], "the recordings hold"),
        (["--trials-per-class", "0"], "positive integer or 'all'"),
        (["--label", "T1"], "two classes"),
    ],
)
def test_impossible_calibrations_fail_by_name_and_write_nothing(population_run, new_user, tmp_path, options, message):
    path = as_npz(new_user, tmp_path / "user.npz")
    result = CliRunner().invoke(
        app, ["calibrate", str(population_run), str(path), "--out", str(tmp_path / "o"), *options]
    )
    assert result.exit_code == 2 and message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user.npz"]


def test_info_tells_a_population_run_from_its_calibrated_folder(population_run, new_user, tmp_path):
    population = CliRunner().invoke(app, ["info", str(population_run)])
    assert population.exit_code == 0, population.output
    assert "population: 2 people" in population.output and "each person: 8 channels" in population.output
    calibrated = calibrate(population_run, as_npz(new_user, tmp_path / "user.npz"), tmp_path / "calibrated")
    described = CliRunner().invoke(app, ["info", str(calibrated)])
    assert described.exit_code == 0, described.output
    assert "preprocessing: 8 channels" in described.output and "2 of 2 epochs" in described.output
