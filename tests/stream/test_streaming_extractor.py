"""StreamingExtractor fed a real recording chunk by chunk gives the offline features of the same windows."""

import numpy as np
import pytest
import torch

from constrae import ModelConfig, RunConfig, build
from constrae.data import EEGConfig, Preprocessing, read_recording
from constrae.data.windows import sliding_starts
from constrae.errors import DataError
from constrae.inference.extractor import FeatureExtractor
from constrae.stream import StreamingConfig, StreamingExtractor
from constrae.stream.moments import RunningMoments
from constrae.stream.windows import FilteredWindows


def _stream(live, recording, chunk_sizes):
    """Push the recording (all 64 channels, samples x channels) in chunks of the given sizes."""
    samples_TS = recording.signals_CT.T
    timestamps_T = np.arange(recording.n_samples) / recording.sfreq
    results, begin, sizes = [], 0, iter(chunk_sizes)
    while begin < recording.n_samples:
        end = min(begin + next(sizes), recording.n_samples)
        results += live.push(samples_TS[begin:end], timestamps_T[begin:end])
        begin = end
    return results


@pytest.mark.parametrize(
    "run, kept",
    [
        ("raw_run", FilteredWindows),
        ("tangent_run", FilteredWindows),
        ("calibrated_run", FilteredWindows),
        ("binary_run", FilteredWindows),
        ("power_run", RunningMoments),
    ],
)
def test_chunked_stream_equals_offline_transform_of_the_same_windows(run, kept, request, s001_run04):
    """A power model streams through its running second moments, every other model through
    filtered windows; both give the offline codes (tolerance: float32 offline, float64 moments)."""
    extractor = FeatureExtractor.load(request.getfixturevalue(run))
    recording = read_recording(s001_run04)
    index_C = np.array([recording.channels.index(name) for name in extractor.preprocessing.channels])
    live = StreamingExtractor(extractor, StreamingConfig(hop_seconds=0.0625, drop_stale=False), index_C)
    assert type(live.windows) is kept
    rng = np.random.default_rng(0)
    results = _stream(live, recording, rng.integers(1, 40, size=recording.n_samples))
    window, hop = extractor.preprocessing.window, live.hop
    starts_N = sliding_starts(recording.n_samples, window, hop)
    offline_NH = extractor.transform_recording(recording, starts_N)
    assert [r.last_sample for r in results] == list(starts_N + window - 1)
    online_NH = np.stack([r.features_H for r in results])
    assert online_NH.dtype == (np.uint8 if extractor.outputs_bits else np.float32)
    np.testing.assert_allclose(online_NH, offline_NH, rtol=1e-4, atol=1e-4 * np.abs(offline_NH).max())
    np.testing.assert_allclose([r.timestamp for r in results], (starts_N + window - 1) / recording.sfreq)


def test_a_discretised_run_streams_the_bits_of_its_offline_codes(binary_run, s001_run04):
    extractor = FeatureExtractor.load(binary_run)
    recording = read_recording(s001_run04)
    index_C = np.array([recording.channels.index(name) for name in extractor.preprocessing.channels])
    live = StreamingExtractor(extractor, StreamingConfig(drop_stale=False), index_C)
    online_NH = np.stack([r.features_H for r in _stream(live, recording, [37] * recording.n_samples)])
    offline_NH = extractor.transform_recording(
        recording, sliding_starts(recording.n_samples, extractor.preprocessing.window, live.hop)
    )
    assert set(np.unique(online_NH)) <= {0.0, 1.0} and 0 < online_NH.mean() < 1
    np.testing.assert_array_equal(online_NH, offline_NH)


@pytest.mark.parametrize("run", ["raw_run", "power_run"])
def test_a_chunk_completing_several_hops_encodes_only_the_newest_and_counts_the_rest(run, request, s001_run04):
    """The skipped windows' samples still pass through the filter and the ring (and a power
    model's running sums): the newest window's codes are the offline ones."""
    extractor = FeatureExtractor.load(request.getfixturevalue(run))
    recording = read_recording(s001_run04)
    index_C = np.array([recording.channels.index(name) for name in extractor.preprocessing.channels])
    live = StreamingExtractor(extractor, StreamingConfig(hop_seconds=0.0625), index_C)
    window, hop = extractor.preprocessing.window, live.hop
    # One chunk ending on the 4th window's last sample: windows 1-3 are stale.
    n = window + 3 * hop
    results = live.push(recording.signals_CT[:, :n].T, np.arange(n) / recording.sfreq)
    assert [r.last_sample for r in results] == [n - 1]
    assert live.dropped == 3
    expected_H = extractor.transform_recording(recording, np.array([3 * hop]))[0]
    np.testing.assert_allclose(results[0].features_H, expected_H, rtol=1e-4, atol=1e-4 * np.abs(expected_H).max())


@pytest.mark.parametrize("run", ["raw_run", "power_run"])
def test_restart_starts_the_filter_and_window_count_again(run, request, s001_run04):
    """As after a gap: the filter state, the ring (and a power model's running sums) start from zero."""
    extractor = FeatureExtractor.load(request.getfixturevalue(run))
    recording = read_recording(s001_run04)
    index_C = np.array([recording.channels.index(name) for name in extractor.preprocessing.channels])
    live = StreamingExtractor(extractor, StreamingConfig(drop_stale=False), index_C)
    window = extractor.preprocessing.window
    live.push(recording.signals_CT[:, :1000].T, np.arange(1000) / recording.sfreq)
    live.restart()
    tail_CT = recording.signals_CT[:, 1000:]
    results = live.push(tail_CT.T, np.arange(tail_CT.shape[1]) / recording.sfreq)
    assert results[0].last_sample == window - 1
    restarted = type(recording)(tail_CT, recording.sfreq, recording.channels, recording.events, "tail")
    expected_H = extractor.transform_recording(restarted, np.array([0]))[0]
    np.testing.assert_allclose(results[0].features_H, expected_H, rtol=1e-4, atol=1e-4 * np.abs(expected_H).max())


def test_a_chunk_with_too_few_channels_is_refused_by_name(raw_run):
    live = StreamingExtractor(FeatureExtractor.load(raw_run), channel_index_C=np.arange(8) + 10)
    with pytest.raises(DataError, match="stream chunk: 12 channels"):
        live.push(np.zeros((5, 12)), np.arange(5.0))


@pytest.mark.parametrize("encoder, params", [("dense", {}), ("power", {"channels": 3, "virtual_channels": 2})])
def test_each_window_of_a_chunk_keeps_its_own_codes(encoder, params, s001_run04):
    """A linear activation hands back the backend's reused output buffer; the windows of one
    chunk must not all end up holding the last window's codes."""
    recording = read_recording(s001_run04)
    preprocessing = Preprocessing.fit([recording], EEGConfig(window_seconds=1.0, channels=["C3", "Cz", "C4"]))
    config = ModelConfig(preprocessing.n_features, 4, activation="linear", encoder=encoder, encoder_params=params)
    model, _ = build(RunConfig(model=config))
    model.encoder.initialise_from(torch.from_numpy(preprocessing.model_inputs(recording)))
    extractor = FeatureExtractor.from_model(model, preprocessing)
    index_C = [recording.channels.index(name) for name in preprocessing.channels]
    live = StreamingExtractor(extractor, StreamingConfig(drop_stale=False), index_C)
    results = live.push(recording.signals_CT[:, :400].T, np.arange(400) / recording.sfreq)
    offline_NH = extractor.transform_recording(recording, np.arange(len(results)) * live.hop)
    np.testing.assert_allclose(np.stack([r.features_H for r in results]), offline_NH, rtol=1e-4, atol=1e-5)
