"""Figures of deep and discriminative autoencoders: a weight grid per layer of a
stack, a confusion matrix, reconstructions next to their inputs.

Built with ``matplotlib.figure.Figure``, never pyplot (see ``constrae.plots.autoencoder``).
Shapes: ``b`` samples, ``n`` pixels, ``c`` classes.
"""

import math

import numpy as np
from matplotlib.figure import Figure

from constrae.errors import DataError
from constrae.plots.autoencoder import weight_grid


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """counts_CC[i, j]: samples of true class i predicted as j."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise DataError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be 1-D of one length")
    counts_CC = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts_CC, (y_true, y_pred), 1)
    return counts_CC


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str], title: str = "") -> Figure:
    """Counts per (true, predicted) class index, shaded by row fraction, with per-class recall."""
    counts_CC = confusion_counts(y_true, y_pred, len(class_names))
    fraction_CC = counts_CC / np.maximum(counts_CC.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(1.0 + 0.8 * len(class_names), 0.8 + 0.8 * len(class_names)), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(fraction_CC, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(counts_CC):
        axes.text(j, i, str(count), ha="center", va="center", color="white" if fraction_CC[i, j] > 0.5 else "black")
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    accuracy = np.trace(counts_CC) / max(counts_CC.sum(), 1)
    axes.set_title(f"{title}  accuracy {accuracy:.1%}".strip())
    return figure


def reconstructions(
    X_BN: np.ndarray, reconstruction_BN: np.ndarray, image_shape: tuple[int, int], n: int = 10
) -> Figure:
    """The first ``n`` inputs (top row) above their reconstructions (bottom row)."""
    X_BN, reconstruction_BN = np.asarray(X_BN), np.asarray(reconstruction_BN)
    if X_BN.shape != reconstruction_BN.shape or X_BN.shape[1] != math.prod(image_shape):
        raise DataError(
            f"inputs {X_BN.shape} and reconstructions {reconstruction_BN.shape} must match, "
            f"with {math.prod(image_shape)} pixels each"
        )
    n = min(n, len(X_BN))
    figure = Figure(figsize=(1.2 * n, 2.6), layout="constrained")
    grid = figure.subplots(2, n, squeeze=False)
    for column in range(n):
        for row, images in enumerate((X_BN, reconstruction_BN)):
            axes = grid[row, column]
            axes.imshow(images[column].reshape(image_shape), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axes.set_axis_off()
    grid[0, 0].set_title("input", loc="left", fontsize="small")
    grid[1, 0].set_title("reconstruction", loc="left", fontsize="small")
    return figure


def layer_weight_grids(network, title: str = "") -> list[Figure]:
    """One weight grid per affine layer of a stacked network (its encoder rows as tiles)."""
    figures = []
    for index, autoencoder in enumerate(network.autoencoders, start=1):
        W_HN = autoencoder.encoder.affine_weight_HN()
        if W_HN is not None:
            label = f"{title} layer {index}: {W_HN.shape[1]} -> {W_HN.shape[0]}".strip()
            figures.append(weight_grid(W_HN.detach().numpy(), title=label))
    return figures
