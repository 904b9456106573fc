"""EEG as scikit-learn estimators receive it: ``mne.io.Raw``, ``mne.Epochs``, or arrays of
epochs, turned into windows with their sampling rate and channel names.

Shapes: ``n`` windows (epochs), ``c`` channels, ``t`` samples per window.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils import check_array

from constrae.data.windows import sliding_starts, windows_at
from constrae.errors import DataError

NOMINAL_SFREQ = 1.0
"""Sampling rate of an array given without one: windows are then counted in samples."""


class EEGWindows(NamedTuple):
    windows_NCW: np.ndarray
    """float64 windows, channels in the order given."""
    sfreq: float
    channels: list[str] | None
    """Channel names, or None for an array without them (channels then match by position)."""
    units: str | None = None
    """V for MNE objects (MNE holds EEG in volts); None for arrays (unknown)."""


def eeg_windows(
    X, sfreq: float | None, ch_names: list[str] | None, window_seconds: float, hop_seconds: float
) -> EEGWindows:
    """Windows of ``X``: every epoch of ``mne.Epochs`` or of a (n, c, t) array (a (n, t) array is
    one channel), or the sliding windows (``window_seconds`` every ``hop_seconds``) of
    ``mne.io.Raw``; EEG channels of MNE objects only."""
    module = type(X).__module__
    if module.startswith("mne"):
        import mne

        if isinstance(X, mne.io.BaseRaw | mne.BaseEpochs):
            picks = mne.pick_types(X.info, eeg=True)
            names = [X.ch_names[i] for i in picks]
            rate = float(X.info["sfreq"])
            if isinstance(X, mne.BaseEpochs):
                return EEGWindows(finite(X.get_data(picks=picks), "epochs"), rate, names, "V")
            signals_CT = finite(X.get_data(picks=picks), "raw")
            window = int(round(window_seconds * rate))
            if signals_CT.shape[1] < window:
                raise DataError(f"raw: {signals_CT.shape[1]} samples, shorter than one {window_seconds} s window")
            starts_N = sliding_starts(signals_CT.shape[1], window, max(1, int(round(hop_seconds * rate))))
            return EEGWindows(windows_at(signals_CT, starts_N, window), rate, names, "V")
    try:
        # scikit-learn's own checks and messages: sparse, complex, empty, 1-D, NaN/inf, object dtype.
        X = check_array(X, dtype=np.float64, allow_nd=True, input_name="EEG epochs X")
    except ValueError as error:
        raise DataError(str(error)) from error
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise DataError(f"EEG epochs X: expected a (epochs, channels, times) array, got shape {X.shape}")
    if ch_names is not None and len(ch_names) != X.shape[1]:
        raise DataError(f"EEG epochs X: {len(ch_names)} ch_names for {X.shape[1]} channels")
    return EEGWindows(X, sfreq or NOMINAL_SFREQ, ch_names)


def finite(data: np.ndarray, where: str) -> np.ndarray:
    bad = ~np.isfinite(data)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"{where}: {int(bad.sum())} NaN/inf values, the first at index {position}")
    return data


def in_order(windows: EEGWindows, channels: list[str], n_samples: int) -> np.ndarray:
    """The windows with the fitted ``channels`` in their order (by name where both have names,
    else by position), checked against the fitted window length."""
    windows_NCW = windows.windows_NCW
    if windows.channels is not None and channels and not channels[0].startswith(POSITIONAL):
        index = {name: i for i, name in enumerate(windows.channels)}
        missing = [name for name in channels if name not in index]
        if missing:
            raise DataError(f"EEG input lacks {len(missing)} of the fitted channels: {', '.join(missing[:8])}")
        windows_NCW = windows_NCW[:, [index[name] for name in channels]]
    _, c, t = windows_NCW.shape
    if (c, t) != (len(channels), n_samples):
        raise DataError(
            f"X has {c * t} features, but EEGAutoencoder is expecting {len(channels) * n_samples} features as "
            f"input: {c} channels x {t} samples where it was fitted on {len(channels)} x {n_samples}"
        )
    return windows_NCW


POSITIONAL = "channel "
"""Prefix of the names given to channels that came without names (``channel 0``, ...)."""


def channel_names(windows: EEGWindows) -> list[str]:
    return windows.channels or [f"{POSITIONAL}{i}" for i in range(windows.windows_NCW.shape[1])]
