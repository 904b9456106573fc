"""One pseudo-online session: a recording replayed in real time over LSL (samples and event
markers), served by the model, every window's decision recorded with its time stamp.

The marker inlet is open before the replay starts (the replay waits for the server's inlet),
so every cue is recorded; decisions and cues share the replay's clock.
"""

import threading
from typing import NamedTuple

import numpy as np

from constrae.data import Recording
from constrae.inference.extractor import FeatureExtractor
from constrae.online.scoring import Cue, Decision
from constrae.stream._imports import pylsl
from constrae.stream.counters import StreamSummary
from constrae.stream.decoder import LinearDecoder
from constrae.stream.extractor import StreamFeatures, StreamingConfig
from constrae.stream.replay import ReplayConfig, replay
from constrae.stream.server import ServeConfig, serve

RESOLVE_TIMEOUT_S = 20.0


class SessionRecord(NamedTuple):
    decisions: list[Decision]
    last_samples: np.ndarray
    """Index in the recording of each decision window's last sample."""
    cues: list[Cue]
    start_s: float
    """Time stamp of the recording's first sample."""
    end_s: float
    """Time stamp just after its last sample played."""
    codes_DH: np.ndarray
    """Every decision's codes."""
    summary: StreamSummary


class MarkerReader(threading.Thread):
    """Every marker of the LSL stream ``name`` with its time stamp, until ``halt`` is set."""

    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        self.name, self.halt, self.connected = name, threading.Event(), threading.Event()
        self.cues: list[Cue] = []

    def run(self) -> None:
        lsl = pylsl()
        found = lsl.resolve_byprop("name", self.name, 1, RESOLVE_TIMEOUT_S)
        if not found:
            return
        inlet = lsl.StreamInlet(found[0], max_buflen=60, processing_flags=lsl.proc_clocksync)
        inlet.open_stream(RESOLVE_TIMEOUT_S)
        self.connected.set()
        while True:
            halting = self.halt.is_set()
            markers, stamps = inlet.pull_chunk(timeout=0.1)
            self.cues += [Cue(float(stamp), str(marker[0])) for marker, stamp in zip(markers, stamps)]
            if halting:
                return


def record_session(
    extractor: FeatureExtractor,
    decoder: LinearDecoder,
    recording: Recording,
    name: str,
    hop_seconds: float = 0.0625,
    seconds: float | None = None,
) -> SessionRecord:
    """Replay ``recording`` (the first ``seconds``, or all) as the LSL stream ``name``, serve it
    with ``extractor``, and record each window's decision and the stream's cues."""
    player_config = ReplayConfig(name, seconds=seconds, wait_for_consumer_s=RESOLVE_TIMEOUT_S)
    player = threading.Thread(target=replay, args=(recording, player_config), daemon=True)
    markers = MarkerReader(f"{name}-markers")
    player.start()
    markers.start()
    markers.connected.wait(RESOLVE_TIMEOUT_S)
    served: list[StreamFeatures] = []
    config = ServeConfig(
        name,
        StreamingConfig(hop_seconds, drop_stale=False),
        resolve_timeout_s=RESOLVE_TIMEOUT_S,
        reconnect_timeout_s=1.0,
    )
    summary = serve(extractor, config, on_features=served.append)
    player.join()
    markers.halt.set()
    markers.join()
    codes_DH = np.stack([f.features_H for f in served]).astype(np.float32)
    decisions = [
        Decision(f.timestamp, decoder.decide(f.features_H), decoder.decision_value(f.features_H)) for f in served
    ]
    last_samples = np.array([f.last_sample for f in served])
    start_s = served[0].timestamp - served[0].last_sample / recording.sfreq
    played = recording.n_samples if seconds is None else min(recording.n_samples, int(seconds * recording.sfreq))
    return SessionRecord(
        decisions, last_samples, markers.cues, start_s, start_s + played / recording.sfreq, codes_DH, summary
    )
