"""Serving over real LSL outlets and inlets on loopback: a replayed S001 run gives the
offline features, a lost stream is found again, a mismatched stream is refused."""

import uuid
import warnings

import numpy as np
import pylsl
import pytest
from lsl_helpers import OutletReader, ReplayThread, ScriptedOutlet, wrong_outlet

from constrae.data import read_recording
from constrae.errors import StreamMismatchError, StreamNotFoundError
from constrae.inference.extractor import FeatureExtractor
from constrae.stream.decoder import fit_decoder
from constrae.stream.extractor import StreamingConfig
from constrae.stream.replay import ReplayConfig
from constrae.stream.server import ServeConfig, StreamWarning, serve


def _name(what: str) -> str:
    """A stream name no other test (or process on this machine) uses."""
    return f"constrae-test-{what}-{uuid.uuid4().hex[:8]}"


@pytest.mark.slow
@pytest.mark.parametrize("run", ["raw_run", "binary_run", "power_run", "calibrated_run"])
def test_features_of_a_replayed_run_equal_the_offline_transform(run, request, s001_run04):
    """The replay waits for the extractor's inlet, so the causal filter runs from the stream's
    first sample, as offline: equal from the first window (tolerance: float32 encoders; a
    binary-code model's bits travel as int8)."""
    extractor = FeatureExtractor.load(request.getfixturevalue(run))
    recording = read_recording(s001_run04)
    decoder, _ = fit_decoder(extractor, [s001_run04], ["T1", "T2"], 0.5)
    name = _name("equal")
    player = ReplayThread(recording, ReplayConfig(name, seconds=8.0, wait_for_consumer_s=20.0))
    features_reader, commands_reader = OutletReader(f"{name}-features"), OutletReader(f"{name}-commands")
    for thread in (player, features_reader, commands_reader):
        thread.start()
    served = []
    config = ServeConfig(name, StreamingConfig(0.0625, drop_stale=False), resolve_timeout_s=20, reconnect_timeout_s=1.0)
    summary = serve(extractor, config, decoder, on_features=served.append)
    for reader in (features_reader, commands_reader):
        reader.halt.set()
        reader.join()
    player.join()

    window, hop = extractor.preprocessing.window, 10
    expected_last = np.arange(window - 1, player.summary.samples, hop)
    assert [f.last_sample for f in served] == list(expected_last)
    assert summary.windows == len(expected_last) and summary.gaps == 0 and summary.stopped == "stream lost"
    offline_NH = extractor.transform_recording(recording, expected_last - window + 1)
    online_NH = np.stack([f.features_H for f in served])
    np.testing.assert_allclose(online_NH, offline_NH, rtol=1e-4, atol=1e-4 * np.abs(offline_NH).max())
    # What the outlets carried: the same codes and decisions, stamped with the source's time stamps.
    by_stamp = {round(f.timestamp, 6): f for f in served}
    assert len(features_reader.timestamps) > len(served) // 2
    for sample, stamp in zip(features_reader.samples, features_reader.timestamps):
        np.testing.assert_allclose(sample, by_stamp[round(stamp, 6)].features_H, rtol=1e-6)
    assert len(commands_reader.samples) > len(served) // 2
    for (command,), stamp in zip(commands_reader.samples, commands_reader.timestamps):
        assert command == decoder.decide(by_stamp[round(stamp, 6)].features_H)


@pytest.mark.slow
def test_a_stream_declaring_microvolts_is_served_as_the_same_recording_in_volts(tangent_run, s001_run04):
    """The replay declares its channels' units; the server converts the samples to the model's (V)."""
    import dataclasses

    extractor = FeatureExtractor.load(tangent_run)
    recording = read_recording(s001_run04)
    microvolts = dataclasses.replace(recording, signals_CT=recording.signals_CT * 1e6, units="uV")
    name = _name("units")
    player = ReplayThread(microvolts, ReplayConfig(name, seconds=4.0, wait_for_consumer_s=20.0))
    player.start()
    served = []
    config = ServeConfig(name, StreamingConfig(0.0625, drop_stale=False), resolve_timeout_s=20, reconnect_timeout_s=1.0)
    serve(extractor, config, on_features=served.append)
    player.join()
    window = extractor.preprocessing.window
    starts_N = np.array([f.last_sample for f in served]) - window + 1
    offline_NH = extractor.transform_recording(recording, starts_N)
    np.testing.assert_allclose(np.stack([f.features_H for f in served]), offline_NH, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_replay_publishes_the_files_annotations_as_markers_on_the_samples_clock(s001_run04):
    recording = read_recording(s001_run04)
    name = _name("markers")
    player = ReplayThread(recording, ReplayConfig(name, seconds=10.0, wait_for_consumer_s=20.0))
    markers, samples = OutletReader(f"{name}-markers"), OutletReader(name)
    player.start()
    markers.start()
    assert markers.connected.wait(20), "the marker stream did not appear"
    samples.start()  # the replay's first consumer: playing starts now
    player.join()
    for reader in (markers, samples):
        reader.halt.set()
        reader.join()
    played = recording.events.onsets_E < 10 * recording.sfreq
    assert [label for (label,) in markers.samples] == recording.events.labels_E[played].tolist()
    assert player.summary.markers == int(played.sum()) >= 3
    offsets_s = np.array(markers.timestamps) - samples.timestamps[0]
    np.testing.assert_allclose(offsets_s, recording.events.onsets_E[played] / recording.sfreq, atol=1e-6)


@pytest.mark.slow
def test_a_lost_stream_is_found_again_with_a_warning_and_a_counted_gap(raw_run, s001_run04):
    extractor = FeatureExtractor.load(raw_run)
    recording = read_recording(s001_run04)
    name = _name("lost")
    first = ReplayThread(recording, ReplayConfig(name, source_id=name, seconds=2.0, wait_for_consumer_s=20.0))
    second = ReplayThread(recording, ReplayConfig(name, source_id=name, seconds=2.0, wait_for_consumer_s=20.0))
    first.start()

    def start_second_after_the_first_ends() -> bool:
        if not first.is_alive() and not second.is_alive() and second.summary is None:
            second.start()
        return False

    config = ServeConfig(name, StreamingConfig(drop_stale=False), resolve_timeout_s=20, reconnect_timeout_s=3.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = serve(extractor, config, stop=start_second_after_the_first_ends)
    second.join()
    messages = [str(w.message) for w in caught if issubclass(w.category, StreamWarning)]
    assert any("lost; looking for it again" in m for m in messages)
    assert any("is back" in m for m in messages)
    assert summary.reconnects == 1 and summary.gaps == 1 and summary.missing_samples > 0
    per_replay = len(range(extractor.preprocessing.window - 1, first.summary.samples, 10))
    assert summary.windows == 2 * per_replay
    assert summary.samples == first.summary.samples + second.summary.samples


@pytest.mark.parametrize(
    "labels, n_channels, sfreq, message",
    [
        (None, 5, 160.0, "5 unlabelled channels, the model reads 8"),
        ([f"X{i}" for i in range(8)], 8, 160.0, "8 of the model's 8 channels are missing: FC3, FC4"),
        (
            ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"],
            8,
            128.0,
            "sampling rate 128.0 Hz, the model was trained at 160.0 Hz",
        ),
    ],
)
def test_a_mismatched_stream_is_refused_by_name_before_anything_is_published(
    raw_run, labels, n_channels, sfreq, message
):
    name = _name("mismatch")
    outlet = wrong_outlet(name, labels, n_channels, sfreq)
    with pytest.raises(StreamMismatchError, match=f"LSL stream '{name}': {message}"):
        serve(FeatureExtractor.load(raw_run), ServeConfig(name, resolve_timeout_s=10))
    assert pylsl.resolve_byprop("name", f"{name}-features", 1, 0.5) == []
    del outlet


def test_no_stream_of_that_name_is_a_timeout_naming_it(raw_run):
    name = _name("absent")
    with pytest.raises(StreamNotFoundError, match=f"no LSL stream named '{name}' appeared within 0.5 s"):
        serve(FeatureExtractor.load(raw_run), ServeConfig(name, resolve_timeout_s=0.5))


@pytest.mark.slow
@pytest.mark.parametrize("run", ["raw_run", "power_run"])
def test_gaps_and_late_chunks_in_a_live_stream_are_counted_and_serving_goes_on(run, request):
    extractor = FeatureExtractor.load(request.getfixturevalue(run))
    window = extractor.preprocessing.window
    name = _name("gaps")
    outlet = ScriptedOutlet(name, extractor.preprocessing.channels, 800, skip=range(400, 440), late_at=600, late_s=0.3)
    outlet.start()
    served = []
    config = ServeConfig(name, StreamingConfig(drop_stale=False), resolve_timeout_s=20, reconnect_timeout_s=0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = serve(extractor, config, on_features=served.append)
    outlet.join()
    assert summary.gaps == 1 and summary.missing_samples == 40
    assert summary.late_chunks >= 1
    assert summary.samples == 760
    assert any("gap of 40 samples" in str(w.message) for w in caught)
    # The filter and window count start again after the gap: windows before it end at w - 1, w + 9, ...,
    # 399; after it the first ends a full window after sample 440 (index w - 1 since the restart).
    last_samples = [f.last_sample for f in served]
    restart = last_samples.index(window - 1, 1)
    assert last_samples[:restart] == list(range(window - 1, 400, 10))
    assert last_samples[restart:] == list(range(window - 1, 360, 10))
