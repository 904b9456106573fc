"""Visibility graphs over the sequence of training rows (seed 000, "constraint as graph").

The seed's "basic concept" is a vector, a node of the graph: here one input row (an
EEG window). Two nodes are linked when they are close in time and see each other in
the visibility graph of a scalar series with one value per row:

- ``series``: ``log_power``, log(mean_n x_bn^2 + 1e-12) of row b (for standardised raw
  windows the log of the mean band power over channels; for tangent-space rows the
  log squared distance of the window's covariance from the reference), or ``mean``,
  the row's mean feature value;
- ``graph``: the natural visibility graph (NVG, Lacasa et al. 2008: i and j are linked
  when every k between them lies strictly below the straight line from (i, y_i) to
  (j, y_j)) or the horizontal one (HVG, Luque et al. 2009: every y_k between them is
  below min(y_i, y_j)), built by ts2vg;
- only edges with |i - j| <= ``max_lag`` rows are kept ("close enough in time"); rows
  of different recordings (segments) are never linked.

ts2vg runs at training time only (it is far too slow for the real-time path); it is an
optional dependency (``pip install "constrae[graph]"``), imported on first use.
"""

import importlib
from typing import Literal

import numpy as np

from constrae.errors import DataError

Graph = Literal["natural", "horizontal"]
Series = Literal["log_power", "mean"]
MIN_SERIES_LENGTH = 3
"""Shorter series have no visibility structure beyond their one or two neighbours."""


def row_series(X_BN: np.ndarray, series: Series) -> np.ndarray:
    """(b,) one scalar per row."""
    X_BN = np.asarray(X_BN, np.float64)
    if series == "log_power":
        return np.log(np.mean(X_BN**2, axis=1) + 1e-12)
    return X_BN.mean(axis=1)


def visibility_edges(series_T: np.ndarray, graph: Graph = "natural", max_lag: int | None = None) -> np.ndarray:
    """(e, 2) int64 edges (i < j, sorted) of the visibility graph of ``series_T``."""
    series_T = np.asarray(series_T, np.float64)
    if series_T.ndim != 1 or len(series_T) < MIN_SERIES_LENGTH:
        raise DataError(
            f"visibility graph: the series has {series_T.size} values in shape {series_T.shape}; "
            f"it needs a 1-D series of at least {MIN_SERIES_LENGTH}"
        )
    if not np.isfinite(series_T).all():
        raise DataError(f"visibility graph: the series holds NaN/inf at index {int(np.argmin(np.isfinite(series_T)))}")
    try:
        ts2vg = importlib.import_module("ts2vg")
    except ImportError as error:
        raise ImportError('visibility graphs need ts2vg; install it with: pip install "constrae[graph]"') from error
    builder = ts2vg.NaturalVG() if graph == "natural" else ts2vg.HorizontalVG()
    builder.build(series_T)
    edges_E2 = np.sort(np.asarray(builder.edges, np.int64).reshape(-1, 2), axis=1)
    if max_lag is not None:
        edges_E2 = edges_E2[edges_E2[:, 1] - edges_E2[:, 0] <= max_lag]
    return np.unique(edges_E2, axis=0)


def sequence_edges(
    X_BN: np.ndarray, segment_starts: list[int], series: Series, graph: Graph, max_lag: int
) -> np.ndarray:
    """(e, 2) edges over all rows: one visibility graph per segment, in global row indices."""
    bounds = [*segment_starts, len(X_BN)]
    if bounds[0] != 0 or any(b >= c for b, c in zip(bounds, bounds[1:])):
        raise DataError(f"segment starts {segment_starts} must begin at 0 and increase below {len(X_BN)} rows")
    values_B = row_series(X_BN, series)
    parts = []
    for index, (begin, end) in enumerate(zip(bounds, bounds[1:])):
        try:
            parts.append(begin + visibility_edges(values_B[begin:end], graph, max_lag))
        except DataError as error:
            raise DataError(f"segment {index} (rows {begin}..{end - 1}): {error}") from error
    return np.concatenate(parts)
