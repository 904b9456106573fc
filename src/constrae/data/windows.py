"""Windows over continuous signals: sliding (window, hop) and around events.

Shapes: ``c`` channels, ``t`` samples, ``n`` windows, ``w`` samples per window.
Windows are views where possible; callers copy when they modify.
"""

import numpy as np

from constrae.errors import DataError


def sliding_starts(n_samples: int, window: int, hop: int) -> np.ndarray:
    """Start samples 0, hop, 2 hop, ... of every window that fits whole."""
    if window < 1 or hop < 1:
        raise DataError(f"window ({window}) and hop ({hop}) must be at least one sample")
    if n_samples < window:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, n_samples - window + 1, hop, dtype=np.int64)


def windows_at(signals_CT: np.ndarray, starts_N: np.ndarray, window: int) -> np.ndarray:
    """(n, c, w) windows of ``signals_CT`` starting at ``starts_N``."""
    starts_N = np.asarray(starts_N, dtype=np.int64)
    if len(starts_N) == 0:
        return np.zeros((0, signals_CT.shape[0], window), signals_CT.dtype)
    if starts_N.min() < 0 or starts_N.max() + window > signals_CT.shape[1]:
        raise DataError(
            f"windows of {window} samples at starts {starts_N.min()}..{starts_N.max()} "
            f"run past the recording's {signals_CT.shape[1]} samples"
        )
    views_CNW = np.lib.stride_tricks.sliding_window_view(signals_CT, window, axis=1)
    return views_CNW[:, starts_N].transpose(1, 0, 2)


def starts_outside(starts_N: np.ndarray, window: int, spans_S2: np.ndarray) -> np.ndarray:
    """The starts whose windows [s, s + window) overlap none of the [begin, end) spans."""
    starts_N = np.asarray(starts_N, dtype=np.int64)
    if len(spans_S2) == 0:
        return starts_N
    begins_S, ends_S = np.asarray(spans_S2, dtype=np.int64).T
    overlaps_NS = (starts_N[:, None] < ends_S[None, :]) & (starts_N[:, None] + window > begins_S[None, :])
    return starts_N[~overlaps_NS.any(axis=1)]
