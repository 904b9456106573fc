"""A picture of the feature stream: codes over time, one row per code, written at shutdown."""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from constrae.plots.autoencoder import save_figure
from constrae.stream.extractor import StreamFeatures


def write_feature_plot(path: str | Path, windows: list[StreamFeatures], source: str) -> Path:
    """Heat map of the codes (h x windows) against source time, written atomically to ``path``."""
    figure = Figure(figsize=(9, 4), layout="constrained")
    axes = figure.add_subplot()
    if windows:
        codes_HN = np.stack([w.features_H for w in windows], axis=1)
        start = windows[0].timestamp
        extent = (0.0, windows[-1].timestamp - start, codes_HN.shape[0] - 0.5, -0.5)
        image = axes.imshow(codes_HN, aspect="auto", interpolation="nearest", extent=extent, cmap="viridis")
        figure.colorbar(image, ax=axes, label="code value")
    else:
        axes.text(0.5, 0.5, "no windows were encoded", ha="center", va="center", transform=axes.transAxes)
    axes.set(
        xlabel="stream time since the first plotted window (s)",
        ylabel="code",
        title=f"Features of LSL stream {source!r} ({len(windows)} windows)",
    )
    return save_figure(figure, path)
