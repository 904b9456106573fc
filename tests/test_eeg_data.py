"""The EEG data layer on the real S001 recordings: events, windows, causal filters,
standardisation without leakage, stored preprocessing, and named errors."""

import numpy as np
import pytest

from constrae.data import EEGConfig, Preprocessing, Recording, read_recording
from constrae.data.filters import CausalFilter, design_sos
from constrae.data.trials import trials_of
from constrae.data.windows import sliding_starts, starts_outside, windows_at
from constrae.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def s001(shared_data):
    return shared_data / "eegmmidb" / "S001"


@pytest.fixture(scope="module")
def imagery_runs(s001):
    return [read_recording(s001 / f"S001R{run:02d}.edf") for run in (4, 8, 12)]


def test_edf_reads_with_standard_channel_names_and_annotated_events(imagery_runs):
    run = imagery_runs[0]
    assert run.sfreq == 160.0
    assert len(run.channels) == 64 and run.channels[:3] == ("FC5", "FC3", "FC1")
    assert not any(name.endswith(".") for name in run.channels)
    labels, counts = np.unique(run.events.labels_E, return_counts=True)
    assert dict(zip(labels, counts))["T0"] == 15
    assert all(7 <= dict(zip(labels, counts))[label] <= 8 for label in ("T1", "T2"))
    assert (np.diff(run.events.onsets_E) > 0).all()


@pytest.mark.parametrize("run", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
def test_every_task_run_has_fifteen_rest_and_fifteen_task_trials(s001, run):
    recording = read_recording(s001 / f"S001R{run:02d}.edf")
    trials = trials_of([recording], ["T1", "T2"], offset_seconds=1.0, window=160)
    assert len(trials.labels_N) == 15
    assert (recording.events.labels_E == "T0").sum() == 15
    onsets = recording.events.select(["T1", "T2"]).onsets_E
    np.testing.assert_array_equal(trials.starts_N, onsets + 160)


def test_a_baseline_run_has_no_trials_and_says_so(s001):
    baseline = read_recording(s001 / "S001R01.edf")
    with pytest.raises(DataError, match=r"S001R01.edf: no events labelled T1, T2 \(it has T0\)"):
        trials_of([baseline], ["T1", "T2"], 1.0, 160)


def test_causal_filter_in_chunks_equals_the_whole_recording(imagery_runs):
    signals_CT = imagery_runs[0].signals_CT[:, :4000]
    sos = design_sos(160.0, 7.0, 30.0, 50.0, 4)
    whole_CT = CausalFilter(sos, 64)(signals_CT)
    chunked = CausalFilter(sos, 64)
    pieces = [chunked(signals_CT[:, a:b]) for a, b in ((0, 7), (7, 1000), (1000, 1001), (1001, 4000))]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole_CT, rtol=1e-10, atol=1e-16)


def test_causal_filter_has_no_look_ahead():
    impulse_CT = np.zeros((1, 400))
    impulse_CT[0, 200] = 1.0
    response_CT = CausalFilter(design_sos(160.0, 7.0, 30.0, None, 4), 1)(impulse_CT)
    assert np.all(response_CT[0, :200] == 0) and np.abs(response_CT[0, 200:]).sum() > 0


def test_filter_edges_outside_nyquist_are_named():
    with pytest.raises(ConfigError, match=r"data.eeg.h_freq: 90.0 Hz must be in \(0, Nyquist = 80.0 Hz\)"):
        design_sos(160.0, 7.0, 90.0, None, 4)


def test_windows_and_exclusion_spans():
    starts = sliding_starts(1000, 160, 40)
    assert starts[0] == 0 and starts[-1] + 160 <= 1000 and (np.diff(starts) == 40).all()
    kept = starts_outside(starts, 160, np.array([[400, 500]]))
    assert all(s + 160 <= 400 or s >= 500 for s in kept)
    assert set(starts) - set(kept) == {s for s in starts if s < 500 and s + 160 > 400}
    signals_CT = np.arange(20.0).reshape(2, 10)
    np.testing.assert_array_equal(windows_at(signals_CT, np.array([3]), 4)[0], signals_CT[:, 3:7])


def test_standardisation_statistics_come_from_training_windows_only(imagery_runs):
    """Test trials' samples cannot move the fitted statistics: without a filter (whose
    memory would carry them on into later samples) replacing them by huge values changes
    nothing; with one, the statistics are those of windows that never touch a test trial."""
    trials = trials_of(imagery_runs, ["T1", "T2"], 1.0, 160)
    test_N = np.arange(0, len(trials.labels_N), 5)
    spans = [trials.spans_in(i, test_N) for i in range(len(imagery_runs))]
    unfiltered = EEGConfig(window_seconds=1.0, hop_seconds=0.5, l_freq=None, h_freq=None)
    fitted = Preprocessing.fit(imagery_runs, unfiltered, spans)

    poisoned = []
    for recording, spans_S2 in zip(imagery_runs, spans):
        signals_CT = recording.signals_CT.copy()
        for begin, end in spans_S2:
            signals_CT[:, begin:end] = 1e3
        poisoned.append(Recording(signals_CT, recording.sfreq, recording.channels, recording.events, recording.source))
    refitted = Preprocessing.fit(poisoned, unfiltered, spans)
    np.testing.assert_array_equal(refitted.channel_mean_C, fitted.channel_mean_C)
    np.testing.assert_array_equal(refitted.channel_std_C, fitted.channel_std_C)

    config = EEGConfig(window_seconds=1.0, hop_seconds=0.5)
    fitted = Preprocessing.fit(imagery_runs, config, spans)
    for recording, spans_S2 in zip(imagery_runs, spans):
        starts = fitted.training_starts(recording, spans_S2)
        assert all(s + 160 <= begin or s >= end for s in starts for begin, end in spans_S2)
    training = np.concatenate(
        [
            fitted.filtered_windows(recording, fitted.training_starts(recording, spans_S2))
            for recording, spans_S2 in zip(imagery_runs, spans)
        ]
    )
    np.testing.assert_allclose(fitted.channel_mean_C, training.mean(axis=(0, 2)))
    everything = Preprocessing.fit(imagery_runs, config)
    assert not np.allclose(everything.channel_std_C, fitted.channel_std_C)


def test_preprocessing_round_trips_through_json(imagery_runs):
    fitted = Preprocessing.fit(imagery_runs[:1], EEGConfig(notch=60.0, channels=["C3", "Cz", "C4"]))
    loaded = Preprocessing.from_mapping(fitted.to_mapping(), "test")
    np.testing.assert_array_equal(loaded.model_inputs(imagery_runs[1]), fitted.model_inputs(imagery_runs[1]))
    assert loaded.n_features == 3 * 160


def test_channels_are_matched_by_name_and_mismatches_named(imagery_runs):
    run = imagery_runs[0]
    fitted = Preprocessing.fit([run], EEGConfig(channels=["C3", "Cz", "C4"]))
    reversed_run = Recording(run.signals_CT[::-1].copy(), run.sfreq, run.channels[::-1], run.events, "reversed")
    np.testing.assert_array_equal(fitted.model_inputs(reversed_run), fitted.model_inputs(run))
    without_cz = [i for i, name in enumerate(run.channels) if name != "Cz"]
    missing = Recording(
        run.signals_CT[without_cz], run.sfreq, tuple(run.channels[i] for i in without_cz), run.events, "cut.edf"
    )
    with pytest.raises(DataError, match=r"cut.edf: 1 of the model's 3 channels are missing: Cz"):
        fitted.model_inputs(missing)
    resampled = Recording(run.signals_CT[:, ::2].copy(), 80.0, run.channels, run.events, "slow.edf")
    with pytest.raises(DataError, match=r"slow.edf: sampling rate 80.0 Hz, the model was trained at 160.0 Hz"):
        fitted.model_inputs(resampled)


def test_array_recordings_npz_npy_csv(tmp_path, imagery_runs):
    run = imagery_runs[0]
    signals_CT = run.signals_CT[:3, :500]
    np.savez(
        tmp_path / "r.npz",
        signals=signals_CT,
        sfreq=160.0,
        channels=np.array(["C3", "Cz", "C4"]),
        event_onsets=np.array([10, 200]),
        event_labels=np.array(["T1", "T2"]),
    )
    from_npz = read_recording(tmp_path / "r.npz")
    assert from_npz.channels == ("C3", "Cz", "C4") and list(from_npz.events.labels_E) == ["T1", "T2"]
    np.save(tmp_path / "r.npy", signals_CT)
    with pytest.raises(DataError, match=r"r.npy: a .npy recording needs its sampling rate"):
        read_recording(tmp_path / "r.npy")
    np.testing.assert_array_equal(read_recording(tmp_path / "r.npy", sfreq=160.0).signals_CT, signals_CT)
    np.savetxt(tmp_path / "r.csv", signals_CT.T, delimiter=",", header="C3,Cz,C4", comments="")
    from_csv = read_recording(tmp_path / "r.csv", sfreq=160.0)
    assert from_csv.channels == ("C3", "Cz", "C4")
    np.testing.assert_allclose(from_csv.signals_CT, signals_CT, rtol=1e-12)


def test_bad_recordings_are_named(tmp_path):
    signals_CT = np.zeros((2, 100))
    signals_CT[1, 42] = np.nan
    with pytest.raises(DataError, match=r"bad: 1 NaN/inf samples, the first in channel 'b' at sample 42 \(0.263 s\)"):
        Recording(signals_CT, 160.0, ("a", "b"), None, "bad")
    (tmp_path / "x.edf").write_bytes(b"0       not really an EDF")
    with pytest.raises(DataError, match=r"x.edf: not an EDF/BDF file"):
        read_recording(tmp_path / "x.edf")
    with pytest.raises(DataError, match=r"missing.edf: no such file"):
        read_recording(tmp_path / "missing.edf")
    with pytest.raises(DataError, match=r"no training window of 2.0 s fits"):
        Preprocessing.fit(
            [Recording(np.zeros((2, 100)), 160.0, ("a", "b"), None, "short")], EEGConfig(window_seconds=2.0)
        )


def test_tangent_space_equals_pyriemanns_independent_implementation():
    from pyriemann.estimation import Covariances
    from pyriemann.geometry.mean import mean_riemann
    from pyriemann.tangentspace import TangentSpace

    from constrae.data.tangent import inverse_square_root, oas_covariances, riemannian_mean, tangent_vectors

    rng = np.random.default_rng(0)
    windows_NCW = rng.standard_normal((40, 6, 80)) * np.array([3.0, 1, 1, 0.5, 1, 2])[:, None]
    covariances_NCC = oas_covariances(windows_NCW)
    np.testing.assert_allclose(covariances_NCC, Covariances("oas").fit_transform(windows_NCW), rtol=1e-10)
    mean_CC = riemannian_mean(covariances_NCC)
    np.testing.assert_allclose(mean_CC, mean_riemann(covariances_NCC), atol=1e-6)
    expected = TangentSpace(metric="riemann").fit(covariances_NCC).transform(covariances_NCC)
    np.testing.assert_allclose(tangent_vectors(covariances_NCC, inverse_square_root(mean_CC)), expected, atol=1e-6)


def test_tangent_space_preprocessing_is_stored_and_reused(imagery_runs):
    config = EEGConfig(channels=["C3", "Cz", "C4", "FC3", "FC4"], representation="tangent_space", hop_seconds=0.5)
    fitted = Preprocessing.fit(imagery_runs[:1], config)
    inputs = fitted.model_inputs(imagery_runs[1])
    assert inputs.shape[1] == fitted.n_features == 15 and inputs.dtype == np.float32
    training = fitted.model_inputs(imagery_runs[0], fitted.training_starts(imagery_runs[0], np.zeros((0, 2))))
    assert np.mean(training**2) == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_array_equal(
        Preprocessing.from_mapping(fitted.to_mapping(), "t").model_inputs(imagery_runs[1]), inputs
    )
    broken = fitted.to_mapping() | {"reference_inv_sqrt": None}
    with pytest.raises(DataError, match=r"reference_inv_sqrt does not fit representation 'tangent_space'"):
        Preprocessing.from_mapping(broken, "preprocessing.json")
