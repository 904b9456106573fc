"""What a serving loop counts: windows, drops, gaps, late chunks, reconnects, latencies."""

import dataclasses
import time
from typing import NamedTuple

import numpy as np

STATUS_WINDOW = 256
"""The status line's percentiles are over this many most recent windows."""


class LatencySummary(NamedTuple):
    """Latency from a window's last sample's time stamp to just after its features were pushed, in ms."""

    p50_ms: float
    """Median."""
    p95_ms: float
    """95th percentile."""
    p99_ms: float
    """99th percentile."""
    max_ms: float
    """Slowest window."""

    @classmethod
    def of(cls, latencies_s: list[float]) -> "LatencySummary":
        if not latencies_s:
            return cls(float("nan"), float("nan"), float("nan"), float("nan"))
        p50, p95, p99 = np.percentile(np.asarray(latencies_s) * 1e3, [50, 95, 99])
        return cls(float(p50), float(p95), float(p99), float(max(latencies_s) * 1e3))


class StreamSummary(NamedTuple):
    """The account of one serving session."""

    windows: int
    """Windows encoded and published."""
    dropped: int
    """Windows due but skipped because a newer one was due in the same chunk (the loop fell behind)."""
    gaps: int
    """Jumps in the source's time stamps (samples lost upstream, or the stream was lost and came back)."""
    missing_samples: int
    """Samples the gaps spanned, from the time stamps and the nominal rate."""
    late_chunks: int
    """Chunks whose oldest sample was older than the late threshold when pulled."""
    reconnects: int
    """Times the stream was lost and found again."""
    samples: int
    """Samples received."""
    seconds: float
    """Wall time served."""
    latency: LatencySummary
    """From each window's last sample's time stamp to just after its push (end to end)."""
    processing: LatencySummary
    """From the arrival of the chunk that completed each window to just after its push (this process alone)."""
    stopped: str
    """Why serving ended: duration, interrupted, stream lost, stopped."""

    def text(self) -> str:
        lat = self.latency
        return (
            f"{self.windows} windows in {self.seconds:.1f} s ({self.samples} samples), dropped {self.dropped}, "
            f"gaps {self.gaps} ({self.missing_samples} samples), late chunks {self.late_chunks}, "
            f"reconnects {self.reconnects}; latency p50 {lat.p50_ms:.2f} ms, p95 {lat.p95_ms:.2f} ms, "
            f"p99 {lat.p99_ms:.2f} ms, max {lat.max_ms:.2f} ms (processing alone p99 {self.processing.p99_ms:.2f} ms); "
            f"stopped: {self.stopped}"
        )


@dataclasses.dataclass
class StreamCounters:
    """Running counts of a serving loop (mutable; ``summary`` freezes them)."""

    windows: int = 0
    gaps: int = 0
    missing_samples: int = 0
    late_chunks: int = 0
    reconnects: int = 0
    samples: int = 0
    latencies_s: list[float] = dataclasses.field(default_factory=list)
    processing_s: list[float] = dataclasses.field(default_factory=list)
    started: float = dataclasses.field(default_factory=time.monotonic)

    def record(self, latency_s: float, processing_s: float) -> None:
        self.windows += 1
        self.latencies_s.append(latency_s)
        self.processing_s.append(processing_s)

    def status_line(self, dropped: int) -> str:
        """Rate, recent latency percentiles and problem counts, for a terminal status line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        recent = LatencySummary.of(self.latencies_s[-STATUS_WINDOW:])
        return (
            f"{self.windows / elapsed:5.1f} windows/s  "
            f"latency p50 {recent.p50_ms:6.2f} ms  p99 {recent.p99_ms:6.2f} ms  "
            f"dropped {dropped}  gaps {self.gaps}  late {self.late_chunks}  reconnects {self.reconnects}"
        )

    def summary(self, dropped: int, stopped: str) -> StreamSummary:
        return StreamSummary(
            self.windows,
            dropped,
            self.gaps,
            self.missing_samples,
            self.late_chunks,
            self.reconnects,
            self.samples,
            time.monotonic() - self.started,
            LatencySummary.of(self.latencies_s),
            LatencySummary.of(self.processing_s),
            stopped,
        )
