"""The incoming LSL stream: found by name, checked against the model, pulled in chunks.

Time stamps are corrected to this machine's clock (``proc_clocksync``), so the
latency of a window is ``local_clock()`` minus its last sample's stamp.
"""

import time
from typing import NamedTuple

import numpy as np

from constrae.data import Preprocessing
from constrae.errors import StreamMismatchError, StreamNotFoundError
from constrae.stream._imports import pylsl
from constrae.stream.lsl_info import layout_of
from constrae.stream.matching import StreamLayout, channel_index, stream_scale

MAX_CHUNK = 1024
"""Samples per pull at most; a longer backlog comes in several pulls."""


class StreamLost(Exception):
    """The stream's outlet went away (closed, crashed, or the network dropped)."""


class Chunk(NamedTuple):
    """Samples pulled at once."""

    samples_TS: np.ndarray
    """(t, s) samples, all of the stream's channels."""
    timestamps_T: np.ndarray
    """Time stamp of each sample, on this machine's clock."""


def _resolve(name: str, timeout_s: float):
    """The first stream named ``name``, or None when none appears within ``timeout_s``."""
    found = pylsl().resolve_byprop("name", name, 1, timeout_s)
    return found[0] if found else None


class LslSource:
    """An inlet on the stream named ``name`` whose layout fits ``preprocessing``.

    Example:
        >>> source = LslSource.open("eeg", preprocessing, timeout_s=10)
        >>> chunk = source.pull(0.2)  # empty when nothing arrived in 0.2 s
    """

    def __init__(self, inlet, layout: StreamLayout, channel_index_C: np.ndarray, scale: float = 1.0) -> None:
        self.inlet, self.layout, self.channel_index_C = inlet, layout, channel_index_C
        self.scale = scale
        """Samples times this are in the model's units."""
        # liblsl writes into this buffer directly, in the stream's own sample type.
        self._buffer_TS = np.empty((MAX_CHUNK, layout.n_channels), np.dtype(inlet.value_type))

    @classmethod
    def open(cls, name: str, preprocessing: Preprocessing, timeout_s: float, units: str | None = None) -> "LslSource":
        """Resolve, read the full stream info and check it; StreamNotFoundError when no such stream
        appears. ``units``: what the samples are in when the stream does not say."""
        lsl = pylsl()
        info = _resolve(name, timeout_s)
        if info is None:
            raise StreamNotFoundError(f"no LSL stream named {name!r} appeared within {timeout_s} s")
        if info.channel_format() == lsl.cf_string:
            raise StreamMismatchError(f"LSL stream {name!r}: carries strings (markers), not signal samples")
        inlet = lsl.StreamInlet(info, max_buflen=60, recover=False, processing_flags=lsl.proc_clocksync)
        layout = layout_of(inlet.info(timeout_s))
        index_C = channel_index(preprocessing, layout)
        scale = stream_scale(preprocessing, layout, units)
        inlet.open_stream(timeout_s)
        return cls(inlet, layout, index_C, scale)

    @classmethod
    def reopen(
        cls,
        name: str,
        preprocessing: Preprocessing,
        give_up_s: float,
        interrupted=lambda: False,
        units: str | None = None,
    ) -> "LslSource | None":
        """Resolve again until the stream is back (and still fits), or None after ``give_up_s``."""
        deadline = time.monotonic() + give_up_s
        while time.monotonic() < deadline and not interrupted():
            try:
                timeout_s = min(1.0, max(0.05, deadline - time.monotonic()))
                return cls.open(name, preprocessing, timeout_s, units)
            except (StreamNotFoundError, RuntimeError):  # RuntimeError: it vanished between resolve and open
                continue
        return None

    def pull(self, timeout_s: float) -> Chunk:
        """What arrived: waits up to ``timeout_s`` for the first sample, then takes what is there."""
        try:
            _, timestamps_T = self.inlet.pull_chunk(
                timeout=timeout_s, max_samples=MAX_CHUNK, dest_obj=self._buffer_TS, min_samples=1, as_numpy=True
            )
        except pylsl().util.LostError as error:
            raise StreamLost(str(error)) from error
        n = len(timestamps_T)
        samples_TS = self._buffer_TS[:n].astype(np.float64)
        if self.scale != 1.0:
            samples_TS *= self.scale
        return Chunk(samples_TS, np.asarray(timestamps_T, dtype=np.float64))

    def close(self) -> None:
        self.inlet.close_stream()
