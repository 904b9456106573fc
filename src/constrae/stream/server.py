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

from constrae.data.units import canonical_unit
from constrae.errors import CheckpointError, ConfigError, DataError
from constrae.inference.extractor import FeatureExtractor
from constrae.io.mappings import require
from constrae.stream._imports import pylsl
from constrae.stream.counters import StreamCounters, StreamSummary
from constrae.stream.decoder import LinearDecoder
from constrae.stream.extractor import StreamFeatures, StreamingConfig, StreamingExtractor
from constrae.stream.gaps import find_gaps
from constrae.stream.lsl_source import Chunk, LslSource, StreamLost
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
    """A chunk whose oldest sample is older than this when pulled counts as late (held up upstream,
    or waiting behind a slow loop)."""
    duration_s: float | None = None
    """Stop after this many seconds; None: until stopped or the stream is gone for good."""
    units: str | None = None
    """Units of the stream's samples when its channels do not declare them (V, mV, uV, nV)."""

    def __post_init__(self) -> None:
        require(bool(self.source), "stream.source", "must name an LSL stream")
        require(self.gap_periods > 1, "stream.gap_periods", f"must be > 1, got {self.gap_periods}")
        for name in ("resolve_timeout_s", "silence_s", "late_s"):
            require(getattr(self, name) > 0, f"stream.{name}", f"must be > 0, got {getattr(self, name)}")
        if self.units is not None:
            try:
                self.units = canonical_unit(self.units, "stream.units")
            except DataError as error:
                raise ConfigError(str(error)) from error


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
    hidden_size = extractor.hidden_size
    if decoder is not None and decoder.n_features != hidden_size:
        raise CheckpointError(f"the decoder takes {decoder.n_features} features, the model gives {hidden_size}")
    source = LslSource.open(config.source, extractor.preprocessing, config.resolve_timeout_s, config.units)
    live = StreamingExtractor(extractor, config.streaming, source.channel_index_C)
    features_out = FeatureOutlet(
        config.features_name or f"{config.source}-features",
        hidden_size,
        live.hop / extractor.preprocessing.sfreq,
        f"{config.source}-features",
        bits=extractor.outputs_bits,
    )
    commands_out = None
    if decoder is not None:
        commands_out = CommandOutlet(config.commands_name or f"{config.source}-commands", f"{config.source}-commands")
    counters = StreamCounters()
    session = _Session(
        config, source, live, counters, _Publisher(features_out, commands_out, decoder, counters, on_features)
    )
    deadline = float("inf") if config.duration_s is None else time.monotonic() + config.duration_s
    next_status, stopped = time.monotonic(), "stopped"
    try:
        while not stop():
            if time.monotonic() >= deadline:
                stopped = "duration"
                break
            try:
                chunk = session.source.pull(PULL_TIMEOUT_S)
            except StreamLost:
                patience = float("inf") if config.reconnect_timeout_s is None else config.reconnect_timeout_s
                if not session.reconnect(min(patience, deadline - time.monotonic()), stop):
                    stopped = "stream lost"
                    break
                continue
            session.handle(chunk)
            if on_status is not None and time.monotonic() >= next_status:
                on_status(counters.status_line(live.dropped))
                next_status = time.monotonic() + status_every_s
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        session.source.close()
    return counters.summary(live.dropped, stopped)


def _warn(message: str) -> None:
    warnings.warn(message, StreamWarning, stacklevel=3)


class _Session:
    """The state of one serving loop between chunks: source, extractor, counters, silence."""

    def __init__(
        self,
        config: ServeConfig,
        source: LslSource,
        live: StreamingExtractor,
        counters: StreamCounters,
        publish: "_Publisher",
    ) -> None:
        self.config, self.source, self.live, self.counters, self.publish = config, source, live, counters, publish
        self.clock = pylsl().local_clock
        self.previous_stamp: float | None = None
        self.last_arrival, self.silent = time.monotonic(), False

    def reconnect(self, give_up_s: float, stop: Callable[[], bool]) -> bool:
        """Look for the lost stream again; False when it did not come back within ``give_up_s``."""
        _warn(f"LSL stream {self.config.source!r} lost; looking for it again")
        self.source.close()
        found = LslSource.reopen(self.config.source, self.live.preprocessing, give_up_s, stop, self.config.units)
        if found is None:
            return False
        self.source, self.live.channel_index_C = found, found.channel_index_C
        self.counters.reconnects += 1
        _warn(f"LSL stream {self.config.source!r} is back")
        return True

    def handle(self, chunk: Chunk) -> None:
        """Count the chunk, split it at gaps (the filter restarts after each), publish its windows."""
        now = time.monotonic()
        if len(chunk.timestamps_T) == 0:
            if not self.silent and now - self.last_arrival > self.config.silence_s:
                _warn(f"no samples from LSL stream {self.config.source!r} for {self.config.silence_s} s")
                self.silent = True
            return
        self.last_arrival, self.silent = now, False
        self.counters.samples += len(chunk.timestamps_T)
        arrived = self.clock()
        if arrived - chunk.timestamps_T[0] > self.config.late_s:
            self.counters.late_chunks += 1
        begin = 0
        for gap in find_gaps(
            self.previous_stamp, chunk.timestamps_T, self.live.preprocessing.sfreq, self.config.gap_periods
        ):
            self._publish_span(chunk, begin, gap.position, arrived)
            self.counters.gaps += 1
            self.counters.missing_samples += gap.missing
            _warn(
                f"gap of {gap.missing} samples in LSL stream {self.config.source!r}; the filter starts again from rest"
            )
            self.live.restart()
            begin = gap.position
        self._publish_span(chunk, begin, len(chunk.timestamps_T), arrived)
        self.previous_stamp = float(chunk.timestamps_T[-1])

    def _publish_span(self, chunk: Chunk, begin: int, end: int, arrived: float) -> None:
        """Encode and publish the windows that samples [begin, end) of the chunk complete."""
        if end > begin:
            for features in self.live.push(chunk.samples_TS[begin:end], chunk.timestamps_T[begin:end]):
                self.publish(features, arrived)


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
