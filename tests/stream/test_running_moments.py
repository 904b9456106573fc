"""The power model's streaming path on a real recording: its band-pass equals the stored causal
filter, projecting before it equals projecting the filtered standardised signal, and the
running second moments equal the batch moments of the same window wherever a window can end."""

import numpy as np
import pytest

from constrae.data import read_recording
from constrae.data.filters import CausalFilter, design_sos
from constrae.inference.extractor import FeatureExtractor
from constrae.io.checkpoint import load_model
from constrae.stream.chunk_filter import MAX_PIECE, ChunkFilter
from constrae.stream.extractor import stream_windows
from constrae.stream.moments import RunningMoments

HOP = 10
"""Samples per hop at 160 Hz and 16 Hz."""


def _chunk_sizes(n_samples: int, seed: int = 0) -> np.ndarray:
    """Mostly 1-39 samples, as a live stream sends, with every 40th chunk 100-399 samples long
    (a backlog: longer than a filter piece, some longer than a window)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, size=n_samples)
    sizes[::40] = rng.integers(100, 400, size=len(sizes[::40]))
    return sizes


def _moments_of(power_run, s001_run04):
    extractor = FeatureExtractor.load(power_run)
    moments = stream_windows(extractor)
    assert isinstance(moments, RunningMoments)
    return extractor, moments, extractor.preprocessing.aligned_signals(read_recording(s001_run04))


@pytest.mark.parametrize(
    "sos",
    [
        design_sos(160.0, 7.0, 30.0, None, 4),
        design_sos(160.0, 7.0, 30.0, 50.0, 4),
        design_sos(160.0, 1.0, None, None, 2),
        design_sos(160.0, None, None, None, 4),
    ],
    ids=["band-pass", "band-pass and notch", "high-pass", "none"],
)
def test_the_chunk_filter_gives_the_causal_filter_of_the_whole_signal(sos, s001_run04):
    signals_CT = read_recording(s001_run04).signals_CT[:, :6000]
    chunk_filter = ChunkFilter(sos, len(signals_CT))
    sizes = [0, 1, MAX_PIECE, MAX_PIECE + 1, *_chunk_sizes(len(signals_CT[0]))]
    bounds = np.minimum(np.cumsum([0, *sizes]), signals_CT.shape[1])
    online_CT = np.concatenate([chunk_filter(signals_CT[:, b:e]) for b, e in zip(bounds[:-1], bounds[1:])], axis=1)
    offline_CT = CausalFilter(sos, len(signals_CT))(signals_CT)
    np.testing.assert_allclose(online_CT, offline_CT, rtol=0, atol=1e-10 * np.abs(offline_CT).max())
    chunk_filter.reset()
    np.testing.assert_allclose(
        chunk_filter(signals_CT[:, :50]), offline_CT[:, :50], rtol=0, atol=1e-10 * np.abs(offline_CT).max()
    )


def test_projecting_before_the_filter_equals_projecting_the_filtered_standardised_recording(power_run, s001_run04):
    extractor, moments, signals_CT = _moments_of(power_run, s001_run04)
    bounds = np.minimum(np.cumsum([0, *_chunk_sizes(signals_CT.shape[1])]), signals_CT.shape[1])
    online_VT = np.concatenate([moments.filter(signals_CT[:, b:e]) for b, e in zip(bounds[:-1], bounds[1:])], axis=1)
    # The offline path: the stored causal filter on all 64 channels from rest, standardised, projected.
    preprocessing = extractor.preprocessing
    filtered_CT = preprocessing.causal_filter()(signals_CT)
    standardised_CT = (filtered_CT - preprocessing.channel_mean_C[:, None]) / preprocessing.channel_std_C[:, None]
    model, _ = load_model(power_run)
    offline_VT = model.encoder.spatial.weight.detach().double().numpy() @ standardised_CT
    assert online_VT.shape == (16, signals_CT.shape[1])
    np.testing.assert_allclose(online_VT, offline_VT, rtol=0, atol=1e-9 * np.abs(offline_VT).max())


@pytest.mark.parametrize("cut_at_hops", [True, False], ids=["every hop", "whole chunks"])
def test_running_moments_equal_the_batch_moments_of_the_newest_window(cut_at_hops, power_run, s001_run04):
    """Over the whole recording (125 s): at every hop (chunks cut where windows end, as the
    extractor does), or after every whole chunk, some longer than a window. Before the first
    window is full, the sum runs over the samples so far."""
    extractor, moments, signals_CT = _moments_of(power_run, s001_run04)
    window, n_samples = extractor.preprocessing.window, signals_CT.shape[1]
    projected_VT = np.zeros((16, n_samples))
    seen, checked = 0, 0
    for size in _chunk_sizes(n_samples):
        if seen >= n_samples:
            break
        filtered_VT = moments.filter(signals_CT[:, seen : seen + size])
        n_new = filtered_VT.shape[1]
        projected_VT[:, seen : seen + n_new] = filtered_VT
        ends = [i + 1 - seen for i in range(seen, seen + n_new) if i + 1 >= window and (i + 1 - window) % HOP == 0]
        written = 0
        for cut in [*(ends if cut_at_hops else []), n_new]:
            moments.append(filtered_VT[:, written:cut])
            written = cut
            newest_VW = projected_VT[:, max(0, seen + cut - window) : seen + cut]
            batch_VV = newest_VW @ newest_VW.T / window
            np.testing.assert_allclose(moments.moments_VV(), batch_VV, rtol=1e-6, atol=1e-6 * np.abs(batch_VV).max())
            checked += 1
        seen += n_new
    assert seen == n_samples and checked > ((n_samples - window) // HOP if cut_at_hops else 500)
