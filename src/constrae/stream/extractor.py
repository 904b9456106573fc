"""Features of a live signal, a chunk at a time: causal filter, ring buffer, one window per hop.

Shapes: ``t`` samples of a chunk, ``s`` channels of the stream, ``c`` the model's
channels, ``k`` values kept per sample, ``w`` samples per window, ``h`` hidden units.

What is kept between chunks depends on the model (``stream_windows``): the filtered
channels, each window encoded whole (``stream.windows``), or for a power encoder the
filtered virtual channels and their running second moments (``stream.moments``).

Windows end every ``hop`` samples, at the same samples as the offline windows
``sliding_starts(n, window, hop)`` of the same signal, and the filter runs from rest
at the first sample as ``Preprocessing.filtered`` does: features of a stream equal
``FeatureExtractor.transform_recording`` of the recording it came from.
"""

import dataclasses
from typing import NamedTuple

import numpy as np

from constrae.errors import DataError
from constrae.inference.extractor import FeatureExtractor
from constrae.inference.numpy_backend import NumpyEncoder
from constrae.inference.numpy_stages import PowerStage
from constrae.io.mappings import require
from constrae.stream.moments import RunningMoments
from constrae.stream.windows import FilteredWindows, StreamWindows


@dataclasses.dataclass
class StreamingConfig:
    """How often a window is encoded, and what to do when more than one is due at once."""

    hop_seconds: float = 0.0625
    """Time between encoded windows (0.0625 s: 16 Hz)."""
    drop_stale: bool = True
    """When one chunk completes several hops (the loop fell behind), encode only the
    newest window and count the others as dropped: a controller wants the present."""

    def __post_init__(self) -> None:
        require(self.hop_seconds > 0, "stream.hop_seconds", f"must be > 0, got {self.hop_seconds}")


class StreamFeatures(NamedTuple):
    """The codes of one window of the stream."""

    features_H: np.ndarray
    """Codes as the model outputs them: float32 features, or uint8 0/1 for a binary-code model."""
    timestamp: float
    """Time stamp of the window's last sample, on the clock the chunk's stamps are on."""
    last_sample: int
    """Index of the window's last sample, counted from the first sample since the last restart."""


def stream_windows(extractor: FeatureExtractor) -> StreamWindows:
    """Running second moments for a power-encoder model on raw windows that the NumPy backend
    runs without a code gate; every other model keeps filtered windows and encodes each whole."""
    encoder = extractor.encoder
    if (
        extractor.raw_windows
        and isinstance(encoder, NumpyEncoder)
        and isinstance(encoder.base_stage, PowerStage)
        and encoder.gate is None
    ):
        return RunningMoments(encoder.base_stage, encoder.activation, extractor.preprocessing)
    return FilteredWindows(extractor)


class StreamingExtractor:
    """Chunks of samples in, the codes of every completed hop out.

    Example:
        >>> live = StreamingExtractor(FeatureExtractor.load("runs/eeg"))
        >>> for features in live.push(samples_TS, timestamps_T):
        ...     send(features.features_H, features.timestamp)
    """

    def __init__(
        self,
        extractor: FeatureExtractor,
        config: StreamingConfig | None = None,
        channel_index_C: np.ndarray | None = None,
    ) -> None:
        self.config = config or StreamingConfig()
        self.preprocessing = extractor.preprocessing
        self.window = self.preprocessing.window
        self.hop = max(1, int(round(self.config.hop_seconds * self.preprocessing.sfreq)))
        n_channels = len(self.preprocessing.channels)
        self.channel_index_C = np.arange(n_channels) if channel_index_C is None else np.asarray(channel_index_C)
        if self.channel_index_C.shape != (n_channels,):
            raise DataError(
                f"channel_index_C: {len(self.channel_index_C)} indices for the model's {n_channels} channels"
            )
        self.windows = stream_windows(extractor)
        """The filter's memory and the newest window, in the form the model reads."""
        self.dropped = 0
        """Windows that fell due but were not encoded because a newer one was due too."""

    @property
    def samples_seen(self) -> int:
        """Samples pushed since the last restart."""
        return self.windows.samples_seen

    def restart(self) -> None:
        """Start again from rest, as at a new stream: after a gap the filter's past is not the signal's."""
        self.windows.restart()

    def push(self, samples_TS: np.ndarray, timestamps_T: np.ndarray) -> list[StreamFeatures]:
        """Filter a chunk, in order, and encode each window it completes (the newest only, with drop_stale)."""
        samples_TS = np.asarray(samples_TS)
        timestamps_T = np.asarray(timestamps_T, dtype=np.float64)
        if samples_TS.ndim != 2 or len(samples_TS) != len(timestamps_T):
            raise DataError(f"stream chunk: samples of shape {samples_TS.shape} for {len(timestamps_T)} time stamps")
        if len(timestamps_T) == 0:
            return []
        if samples_TS.shape[1] <= self.channel_index_C.max():
            raise DataError(
                f"stream chunk: {samples_TS.shape[1]} channels, the model reads channel {self.channel_index_C.max()}"
            )
        filtered_KT = self.windows.filter(samples_TS[:, self.channel_index_C].T)
        ends_E = self._window_ends(len(timestamps_T))
        if self.config.drop_stale and len(ends_E) > 1:
            self.dropped += len(ends_E) - 1
            ends_E = ends_E[-1:]
        first = self.samples_seen
        results, written = [], 0
        for end in ends_E:
            self.windows.append(filtered_KT[:, written : end + 1])
            written = end + 1
            # A copy: with a linear activation the NumPy backend returns the output buffer it reuses next window.
            codes_H = self.windows.encode_newest().copy()
            results.append(StreamFeatures(codes_H, float(timestamps_T[end]), first + int(end)))
        self.windows.append(filtered_KT[:, written:])
        return results

    def _window_ends(self, n_new: int) -> range:
        """Positions in the chunk of the last samples of windows it completes: global index
        i with i + 1 >= window and (i + 1 - window) % hop == 0. Integer arithmetic, no arrays:
        each NumPy call costs tens of microseconds when the loop wakes up with cold caches."""
        first_end = self.window - 1
        hops_done = max(0, -((first_end - self.samples_seen) // self.hop))
        return range(first_end + hops_done * self.hop - self.samples_seen, n_new, self.hop)
