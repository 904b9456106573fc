"""Figures of a trained autoencoder: weight tiles, sparsity histogram, loss curves.

Figures are built with ``matplotlib.figure.Figure`` directly, never pyplot, so no
global figure state or interactive backend is involved; ``save_figure`` writes PNG.

Shapes: ``h`` hidden units, ``n`` inputs per unit.
"""

import io
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from constrae.errors import DataError
from constrae.io.atomic import atomic_write_bytes

_GAP = 1
"""Pixels of blank space between weight tiles."""


def weight_grid(
    W_HN: np.ndarray,
    image_shape: tuple[int, int] | None = None,
    title: str = "Input weights per hidden unit",
) -> Figure:
    """Show each hidden unit's input weights (a row of ``W_HN``) as a grey tile.

    Each tile is scaled by its own max |w|, so mid-grey is 0, white +max and black -max.
    Without ``image_shape``, rows of square length become square tiles and other rows
    1 x n strips. Tiles are laid out so the whole mosaic is roughly square.
    """
    W_HN = np.asarray(W_HN, dtype=np.float64)
    if W_HN.ndim != 2:
        raise DataError(f"W_HN must be 2-D (hidden, inputs), got shape {W_HN.shape}")
    n_hidden, n_inputs = W_HN.shape
    if image_shape is None:
        side = math.isqrt(n_inputs)
        image_shape = (side, side) if side * side == n_inputs else (1, n_inputs)
    tile_h, tile_w = image_shape
    if tile_h * tile_w != n_inputs:
        raise DataError(f"image_shape {image_shape} has {tile_h * tile_w} pixels, W_HN rows have {n_inputs}")
    scale_H = np.abs(W_HN).max(axis=1)
    # An all-zero unit stays mid-grey instead of dividing by zero.
    tiles_HN = W_HN / np.where(scale_H > 0, scale_H, 1.0)[:, None]
    cols = min(n_hidden, max(1, round(math.sqrt(n_hidden * (tile_h + _GAP) / (tile_w + _GAP)))))
    rows = math.ceil(n_hidden / cols)
    # NaN gaps are drawn transparent, so the figure background separates the tiles.
    mosaic = np.full((rows * (tile_h + _GAP) - _GAP, cols * (tile_w + _GAP) - _GAP), np.nan)
    for unit, tile_N in enumerate(tiles_HN):
        top = (unit // cols) * (tile_h + _GAP)
        left = (unit % cols) * (tile_w + _GAP)
        mosaic[top : top + tile_h, left : left + tile_w] = tile_N.reshape(tile_h, tile_w)
    height, width = mosaic.shape
    figure = Figure(figsize=(6, min(max(6 * height / width, 1.5), 12)), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(mosaic, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    axes.set_axis_off()
    axes.set_title(title)
    return figure


def rho_hat_histogram(rho_hat_H: np.ndarray, target_rho: float | None = None) -> Figure:
    """Histogram of each hidden unit's mean activation, with the sparsity target if given."""
    rho_hat_H = np.asarray(rho_hat_H, dtype=np.float64).ravel()
    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.add_subplot()
    axes.hist(rho_hat_H, bins=min(50, max(10, rho_hat_H.size // 4)), color="tab:blue")
    if target_rho is not None:
        axes.axvline(target_rho, color="tab:red", linestyle="--", label=f"target rho = {target_rho:g}")
        axes.legend()
    axes.set_xlabel("mean activation over the data (rho_hat)")
    axes.set_ylabel("hidden units")
    return figure


def loss_curves(records: list[dict]) -> Figure:
    """Plot every ``train/<term>`` and the matching ``val/<term>`` against epoch.

    Train is solid, validation dashed, one colour per term. The y axis is
    logarithmic when every plotted value is positive.
    """
    if not records:
        raise DataError("records is empty: no epochs to plot")
    terms = list(dict.fromkeys(k.split("/", 1)[1] for r in records for k in r if k.startswith("train/")))
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.add_subplot()
    plotted: list[float] = []
    for index, term in enumerate(terms):
        colour = f"C{index % 10}"  # the default colour cycle, fixed per term
        for split, style in (("train", "-"), ("val", "--")):
            key = f"{split}/{term}"
            points = [(r["epoch"], r[key]) for r in records if key in r]
            if points:
                epochs, values = zip(*points)
                axes.plot(epochs, values, linestyle=style, color=colour, label=key)
                plotted.extend(values)
    if plotted and all(v > 0 for v in plotted):
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.legend(fontsize="small", ncols=2)
    return figure


def save_figure(figure: Figure, path) -> Path:
    """Write ``figure`` as PNG to ``path`` atomically, creating parent folders.

    The PNG is rendered in memory first, so a failing render leaves no file behind.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return atomic_write_bytes(path, buffer.getvalue())
