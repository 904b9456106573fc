"""Causal IIR filtering: band-pass and notch as second-order sections, with state.

Causal so that a stream filtered chunk by chunk equals the recording filtered
whole (``CausalFilter`` carries the state across calls): the model's stored
preprocessing must be the one that runs online, with no look-ahead.
"""

import numpy as np
from scipy import signal

from constrae.errors import ConfigError

NOTCH_QUALITY = 30.0
"""Quality factor of the notch: about 2 Hz wide at 50/60 Hz."""


def design_sos(sfreq: float, l_freq: float | None, h_freq: float | None, notch: float | None, order: int) -> np.ndarray:
    """Butterworth band-pass (or high/low-pass when one edge is None) of ``order``,
    then an optional notch at ``notch`` Hz, as stacked second-order sections."""
    nyquist = sfreq / 2
    for name, value in (("l_freq", l_freq), ("h_freq", h_freq), ("notch", notch)):
        if value is not None and not 0 < value < nyquist:
            raise ConfigError(f"data.eeg.{name}: {value} Hz must be in (0, Nyquist = {nyquist} Hz)")
    if l_freq is not None and h_freq is not None and l_freq >= h_freq:
        raise ConfigError(f"data.eeg.l_freq: {l_freq} Hz must be below h_freq = {h_freq} Hz")
    sections = []
    if l_freq is not None and h_freq is not None:
        sections.append(signal.butter(order, [l_freq, h_freq], btype="bandpass", fs=sfreq, output="sos"))
    elif l_freq is not None:
        sections.append(signal.butter(order, l_freq, btype="highpass", fs=sfreq, output="sos"))
    elif h_freq is not None:
        sections.append(signal.butter(order, h_freq, btype="lowpass", fs=sfreq, output="sos"))
    if notch is not None:
        sections.append(signal.tf2sos(*signal.iirnotch(notch, NOTCH_QUALITY, fs=sfreq)))
    return np.concatenate(sections) if sections else np.zeros((0, 6))


class CausalFilter:
    """Filters (c, t) chunks in order, keeping each channel's filter state between calls.

    Starts from rest (zero state), as a stream does; ``reset`` starts again.

    Example:
        >>> f = CausalFilter(design_sos(160.0, 7.0, 30.0, None, 4), n_channels=64)
        >>> y_CT = f(chunk_CT)  # same as filtering the whole recording at once
    """

    def __init__(self, sos: np.ndarray, n_channels: int) -> None:
        self.sos = sos
        self.n_channels = n_channels
        self.reset()

    def reset(self) -> None:
        self.state = np.zeros((len(self.sos), self.n_channels, 2))

    def __call__(self, chunk_CT: np.ndarray) -> np.ndarray:
        if len(self.sos) == 0:
            return np.asarray(chunk_CT, dtype=np.float64)
        filtered_CT, self.state = signal.sosfilt(self.sos, chunk_CT, axis=1, zi=self.state)
        return filtered_CT
