"""The serving loop: LSL inlet -> StreamingExtractor -> features (and commands) outlets.

A lost stream is a warning and a search for it again (same name), not a crash; a
jump in time stamps is a counted gap after which the filter starts again from rest.
Latency is ``local_clock()`` just after a window's push minus the (clock-corrected)
time stamp of the window's last sample.
"""

import dataclasses
import time
import warnings
from collections.abc import Callable

from constrae.configio import require
from constrae.errors import CheckpointError
from constrae.extractor import FeatureExtractor
from constrae.stream._imports import pylsl
from constrae.stream.counters import StreamCounters, StreamSummary
from constrae.stream.decoder import LinearDecoder
from constrae.stream.extractor import StreamFeatures, StreamingConfig, StreamingExtractor
from constrae.stream.gaps import find_gaps
from constrae.stream.lsl_source import LslSource, StreamLost
from constrae.stream.outlets import CommandOutlet, FeatureOutlet

PULL_TIMEOUT_S = 0.1
"""Longest wait in liblsl at a time: Ctrl-C and ``stop`` are seen within this."""


class StreamWarning(UserWarning):
    """Something went wrong upstream that serving survives: a lost stream, a gap, silence."""


@dataclasses.dataclass
class ServeConfig:
    """Where to read, what to publish, and how patient to be."""

    source: str
    """Name of the LSL stream to read."""
    streaming: StreamingConfig = dataclasses.field(default_factory=StreamingConfig)
    """Hop and stale-window policy."""
    features_name: str | None = None
    """Name of the features outlet; None: SOURCE-features."""
    commands_name: str | None = None
    """Name of the commands outlet (with a decoder); None: SOURCE-commands."""
    resolve_timeout_s: float = 10.0
    """How long to wait for the stream at start."""
    reconnect_timeout_s: float | None = None
    """How long to look for a lost stream before stopping; None: for ever."""
    silence_s: float = 1.0
    """Warn once when no sample came for this long (the outlet is there but quiet)."""
    gap_periods: float = 1.5
    """A step between time stamps longer than this many sample periods is a gap."""
    late_s: float = 0.1
    """A chunk whose newest sample is older than this on arrival counts as late."""
    duration_s: float | None = None
    """Stop after this many seconds; None: until stopped or the stream is gone for good."""

    def __post_init__(self) -> None:
        require(bool(self.source), "stream.source", "must name an LSL stream")
        require(self.gap_periods > 1, "stream.gap_periods", f"must be > 1, got {self.gap_periods}")
        for name in ("resolve_timeout_s", "silence_s", "late_s"):
            require(getattr(self, name) > 0, f"stream.{name}", f"must be > 0, got {getattr(self, name)}")


def _never() -> bool:
    return False


def serve(
    extractor: FeatureExtractor,
    config: ServeConfig,
    decoder: LinearDecoder | None = None,
    on_features: Callable[[StreamFeatures], None] | None = None,
    on_status: Callable[[str], None] | None = None,
    stop: Callable[[], bool] = _never,
    status_every_s: float = 0.5,
) -> StreamSummary:
    """Serve until ``config.duration_s``, ``stop()``, Ctrl-C or a stream lost for longer than
    ``config.reconnect_timeout_s``; the summary says which. A stream that does not fit the
    model raises StreamMismatchError before anything is published."""
    hidden_size = extractor.model.config.hidden_size
    if decoder is not None and decoder.n_features != hidden_size:
        raise CheckpointError(f"the decoder takes {decoder.n_features} features, the model gives {hidden_size}")
    lsl = pylsl()
    preprocessing = extractor.preprocessing
    source = LslSource.open(config.source, preprocessing, config.resolve_timeout_s)
    live = StreamingExtractor(extractor, config.streaming, source.channel_index_C)
    hop_s = live.hop / preprocessing.sfreq
    features_out = FeatureOutlet(config.features_name or f"{config.source}-features", hidden_size, hop_s, f"{config.source}-features")
    commands_out = None
    if decoder is not None:
        commands_out = CommandOutlet(config.commands_name or f"{config.source}-commands", f"{config.source}-commands")
    counters = StreamCounters()
    publish = _Publisher(features_out, commands_out, decoder, counters, on_features)
    previous_stamp, last_arrival, silent, next_status = None, time.monotonic(), False, time.monotonic()
    deadline = float("inf") if config.duration_s is None else time.monotonic() + config.duration_s
    stopped = "stopped"
    try:
        while not stop():
            if time.monotonic() >= deadline:
                stopped = "duration"
                break
            try:
                chunk = source.pull(PULL_TIMEOUT_S)
            except StreamLost:
                warnings.warn(f"LSL stream {config.source!r} lost; looking for it again", StreamWarning, stacklevel=2)
                source.close()
                give_up = float("inf") if config.reconnect_timeout_s is None else config.reconnect_timeout_s
                found = LslSource.reopen(config.source, preprocessing, min(give_up, deadline - time.monotonic()), stop)
                if found is None:
                    stopped = "stream lost"
                    break
                source = found
                live.channel_index_C = source.channel_index_C
                counters.reconnects += 1
                warnings.warn(f"LSL stream {config.source!r} is back", StreamWarning, stacklevel=2)
                continue
            now = time.monotonic()
            if len(chunk.timestamps_T) == 0:
                if not silent and now - last_arrival > config.silence_s:
                    warnings.warn(f"no samples from LSL stream {config.source!r} for {config.silence_s} s", StreamWarning, stacklevel=2)
                    silent = True
                continue
            last_arrival, silent = now, False
            counters.samples += len(chunk.timestamps_T)
            arrived = lsl.local_clock()
            if arrived - chunk.timestamps_T[-1] > config.late_s:
                counters.late_chunks += 1
            begin = 0
            for gap in find_gaps(previous_stamp, chunk.timestamps_T, preprocessing.sfreq, config.gap_periods):
                _serve_span(live, chunk, begin, gap.position, publish, arrived)
                counters.gaps += 1
                counters.missing_samples += gap.missing
                warnings.warn(
                    f"gap of {gap.missing} samples in LSL stream {config.source!r}; the filter starts again from rest",
                    StreamWarning, stacklevel=2,
                )
                live.restart()
                begin = gap.position
            _serve_span(live, chunk, begin, len(chunk.timestamps_T), publish, arrived)
            previous_stamp = float(chunk.timestamps_T[-1])
            if on_status is not None and now >= next_status:
                on_status(counters.status_line(live.dropped))
                next_status = now + status_every_s
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        source.close()
    return counters.summary(live.dropped, stopped)


class _Publisher:
    """Pushes one window's features (and command), then records its latency."""

    def __init__(self, features_out, commands_out, decoder, counters, on_features) -> None:
        self.features_out, self.commands_out, self.decoder = features_out, commands_out, decoder
        self.counters, self.on_features, self.clock = counters, on_features, pylsl().local_clock

    def __call__(self, features: StreamFeatures, arrived: float) -> None:
        self.features_out.push(features.features_H, features.timestamp)
        if self.commands_out is not None:
            self.commands_out.push(self.decoder.decide(features.features_H), features.timestamp)
        pushed = self.clock()
        self.counters.record(pushed - features.timestamp, pushed - arrived)
        if self.on_features is not None:
            self.on_features(features)


def _serve_span(live: StreamingExtractor, chunk, begin: int, end: int, publish: _Publisher, arrived: float) -> None:
    """Encode and publish the windows that samples [begin, end) of the chunk complete."""
    if end > begin:
        for features in live.push(chunk.samples_TS[begin:end], chunk.timestamps_T[begin:end]):
            publish(features, arrived)
