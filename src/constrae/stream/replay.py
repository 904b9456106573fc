"""A recording played as a live LSL stream at its real rate: the whole loop without hardware.

Sample i is stamped ``t0 + i / sfreq`` and pushed, with the rest of its chunk, once
that time has come, as an amplifier's driver would. Values go out as double64 in the
recording's units (volts for files read through MNE), so a model sees exactly what
the offline path reads. The recording's events go out on a marker stream (``NAME-markers``,
as mne-lsl's player does): each event's label, stamped with its onset sample's time on the
same clock, pushed with the chunk that holds that sample.
"""

import dataclasses
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from constrae.data import Recording
from constrae.io.mappings import require
from constrae.stream._imports import pylsl
from constrae.stream.lsl_info import make_info
from constrae.stream.outlets import MarkerOutlet


@dataclasses.dataclass
class ReplayConfig:
    """How to publish a recording."""

    name: str = "constrae-replay"
    """LSL stream name the extractor subscribes to (``--source``)."""
    source_id: str | None = None
    """LSL source id; a re-created outlet with the same one is the same stream. None: the name."""
    chunk_seconds: float = 1 / 32
    """Samples pushed together (1/32 s: 5 samples at 160 Hz)."""
    wait_for_consumer_s: float = 0.0
    """Wait up to this long for a first inlet before playing, so that it gets the first sample."""
    seconds: float | None = None
    """Play only the first this many seconds; None: all of it."""
    loop: bool = False
    """Start again at the end (time stamps go on), until stopped."""
    markers: bool = True
    """Also publish the recording's events as a marker stream."""
    markers_name: str | None = None
    """Name of the marker stream; None: NAME-markers."""

    def __post_init__(self) -> None:
        require(self.chunk_seconds > 0, "replay.chunk_seconds", f"must be > 0, got {self.chunk_seconds}")
        require(self.seconds is None or self.seconds > 0, "replay.seconds", f"must be > 0, got {self.seconds}")


class ReplaySummary(NamedTuple):
    """What was played."""

    samples: int
    """Samples pushed."""
    seconds: float
    """Stream time played."""
    p99_push_delay_ms: float
    """99th percentile of the delay of a push after its due time (this process's scheduling,
    which counts in the extractor's end-to-end latency)."""
    max_push_delay_ms: float
    """Longest such delay."""
    markers: int = 0
    """Event markers pushed."""


CONSUMER_SETTLE_S = 0.2
"""liblsl reports a consumer slightly before its feed takes samples: a chunk pushed at
once can miss it (seen here once in a few runs), so wait this long first."""

LINGER_S = 0.5
"""The outlet stays open this long after the last sample, so that inlets receive it."""

SPIN_S = 0.001
"""Sleep until this long before a push is due, then poll the clock: a sleeping thread
wakes late by up to milliseconds on a busy machine, and that lateness would count as
the extractor's latency."""


def _wait_until(due: float, clock: Callable[[], float]) -> None:
    if due - clock() > SPIN_S:
        time.sleep(due - clock() - SPIN_S)
    while clock() < due:
        pass


def _never() -> bool:
    return False


def replay(
    recording: Recording,
    config: ReplayConfig,
    stop: Callable[[], bool] = _never,
    on_start: Callable[[], None] | None = None,
) -> ReplaySummary:
    """Publish ``recording`` until its end (or for ever with ``loop``) or ``stop()``; Ctrl-C ends it too."""
    lsl = pylsl()
    info = make_info(
        config.name,
        "EEG",
        list(recording.channels),
        recording.sfreq,
        "double64",
        config.source_id or config.name,
        unit=recording.units or "",
    )
    chunk = max(1, int(round(config.chunk_seconds * recording.sfreq)))
    outlet = lsl.StreamOutlet(info, chunk_size=chunk)
    marker_outlet = None
    if config.markers:
        markers_name = config.markers_name or f"{config.name}-markers"
        marker_outlet = MarkerOutlet(markers_name, f"{config.source_id or config.name}-markers")
    order_E = np.argsort(recording.events.onsets_E, kind="stable")
    onsets_E, labels_E = recording.events.onsets_E[order_E], recording.events.labels_E[order_E]
    if config.wait_for_consumer_s > 0 and outlet.wait_for_consumers(config.wait_for_consumer_s):
        time.sleep(CONSUMER_SETTLE_S)
    if on_start is not None:
        on_start()
    samples_TS = recording.signals_CT.T.copy()
    n_play = (
        recording.n_samples
        if config.seconds is None
        else min(recording.n_samples, int(config.seconds * recording.sfreq))
    )
    pushed, delays_s, start, markers = 0, [], lsl.local_clock(), 0
    try:
        while not stop() and (config.loop or pushed < n_play):
            begin = pushed % n_play
            end = min(begin + chunk, n_play)
            due = start + (pushed + end - begin - 1) / recording.sfreq
            _wait_until(due, lsl.local_clock)
            outlet.push_chunk(samples_TS[begin:end], due)
            delays_s.append(lsl.local_clock() - due)
            if marker_outlet is not None:
                for event in range(np.searchsorted(onsets_E, begin), np.searchsorted(onsets_E, end)):
                    marker_outlet.push(
                        str(labels_E[event]), start + (pushed + onsets_E[event] - begin) / recording.sfreq
                    )
                    markers += 1
            pushed += end - begin
        # Closing at once would cut off the samples still in flight to the inlets.
        time.sleep(LINGER_S)
    except KeyboardInterrupt:
        pass
    finally:
        del outlet, marker_outlet
    delays_ms = np.asarray(delays_s or [0.0]) * 1e3
    p99, longest = float(np.percentile(delays_ms, 99)), float(delays_ms.max())
    return ReplaySummary(pushed, pushed / recording.sfreq, p99, longest, markers)
