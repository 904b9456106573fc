"""What a streaming extractor keeps of the recent signal, and how it encodes the newest window.

Shapes: ``c`` the model's channels, ``k`` values kept per sample, ``t`` samples of a chunk,
``w`` samples per window, ``h`` hidden units.

``StreamingExtractor`` filters each chunk whole (``filter``), then appends it in pieces that
end at the last samples of due windows, encoding the newest window after each piece. Every
sample is appended, whether or not a window it ends is encoded.
"""

import abc

import numpy as np

from constrae.inference.extractor import FeatureExtractor


def ring_slots(samples_seen: int, n_new: int, window: int) -> np.ndarray:
    """Ring positions (i % w) of the last min(n_new, w) of ``n_new`` samples that follow ``samples_seen``:
    the earlier ones would be overwritten within the same piece."""
    kept = min(n_new, window)
    return (samples_seen + n_new - kept + np.arange(kept)) % window


class StreamWindows(abc.ABC):
    """The state between chunks: filter memory and the newest window, in whatever form the model needs.

    Example:
        >>> windows = FilteredWindows(extractor)
        >>> filtered_KT = windows.filter(chunk_CT)
        >>> windows.append(filtered_KT)
        >>> codes_H = windows.encode_newest()  # once samples_seen >= w
    """

    encoding: str
    """How a window becomes codes, for reports: the inference backend, or the running path."""
    samples_seen: int
    """Samples appended since the last restart."""

    @abc.abstractmethod
    def restart(self) -> None:
        """Back to rest, as at a new stream: no filter memory, nothing kept, no sample seen."""

    @abc.abstractmethod
    def filter(self, samples_CT: np.ndarray) -> np.ndarray:
        """(k, t) values a chunk of the model's channels adds to the window, carrying the filter's state on."""

    @abc.abstractmethod
    def append(self, filtered_KT: np.ndarray) -> None:
        """Take the next filtered samples (in order) into the window."""

    @abc.abstractmethod
    def encode_newest(self) -> np.ndarray:
        """(h,) codes of the window that ends at the last sample appended."""


class FilteredWindows(StreamWindows):
    """Every channel filtered, the last w samples in a ring, the window encoded whole by the
    extractor's backend: any model the extractor runs."""

    def __init__(self, extractor: FeatureExtractor) -> None:
        self.extractor = extractor
        self.window = extractor.preprocessing.window
        self.encoding = extractor.encoder.backend
        # Every sample is written twice, at i % w and i % w + w, so the newest window is one contiguous slice.
        self._ring_C2W = np.zeros((len(extractor.preprocessing.channels), 2 * self.window))
        self.restart()

    def restart(self) -> None:
        self._causal_filter = self.extractor.preprocessing.causal_filter()
        self.samples_seen = 0

    def filter(self, samples_CT: np.ndarray) -> np.ndarray:
        return self._causal_filter(samples_CT)

    def append(self, filtered_KT: np.ndarray) -> None:
        n_new = filtered_KT.shape[1]
        slots_T = ring_slots(self.samples_seen, n_new, self.window)
        kept_CT = filtered_KT[:, n_new - len(slots_T) :]
        self._ring_C2W[:, slots_T] = kept_CT
        self._ring_C2W[:, slots_T + self.window] = kept_CT
        self.samples_seen += n_new

    def encode_newest(self) -> np.ndarray:
        start = self.samples_seen % self.window
        return self.extractor.encode_window(self._ring_C2W[:, start : start + self.window])
