"""The decode benchmark's figure: accuracy per subject for each method, one panel per task."""

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from constrae.bench.decode import DecodeRow
from constrae.bench.summary import REFERENCE_METHOD

CHANCE = 0.5
"""Both classes of every task have about as many trials (15 each in eegmmidb's runs)."""


BASELINE_STYLES = [("--", "s"), ("-.", "^"), (":", "v"), ("--", "D")]
"""(line style, marker) of the baselines other than the reference, in their order."""


def line_style(method: str, baselines: list[str], ae_methods: list[str]) -> dict:
    """The reference thick and black, the other baselines grey, each its own dashes and marker,
    AE rows in colour (tab20's pairs: a variant's LDA and LR rows, listed one after the other, get one hue)."""
    if method == REFERENCE_METHOD:
        return {"color": "black", "linewidth": 3, "marker": "o", "markersize": 7, "zorder": 5}
    if method in baselines:
        dashes, marker = BASELINE_STYLES[baselines.index(method) % len(BASELINE_STYLES)]
        return {"color": "dimgrey", "linewidth": 1.2, "linestyle": dashes, "marker": marker, "markersize": 5}
    palette = colormaps["tab20"]
    return {"color": palette(ae_methods.index(method) % palette.N), "linewidth": 1, "marker": "."}


def subject_accuracy_figure(rows: list[DecodeRow]) -> Figure:
    """Mean fold accuracy per subject (x) for each method (one line each), chance dotted."""
    tasks = list(dict.fromkeys(r.task for r in rows))
    methods = list(dict.fromkeys(r.method for r in rows))
    ae_methods = [m for m in methods if m.startswith("AE ")]
    baselines = [m for m in methods if m not in ae_methods and m != REFERENCE_METHOD]
    figure = Figure(figsize=(12, 1.5 + 3.2 * len(tasks)), layout="constrained")
    legend = {}
    for index, task in enumerate(tasks):
        axes = figure.add_subplot(len(tasks), 1, index + 1)
        subjects = list(dict.fromkeys(r.subject for r in rows if r.task == task))
        for method in methods:
            points = [
                (subjects.index(r.subject), r.accuracy_mean) for r in rows if r.task == task and r.method == method
            ]
            if points:
                x, accuracy = np.array(sorted(points)).T
                (legend[method],) = axes.plot(x, accuracy, label=method, **line_style(method, baselines, ae_methods))
        legend[f"chance ({CHANCE})"] = axes.axhline(CHANCE, color="black", linewidth=0.8, linestyle=":")
        axes.set_xticks(np.arange(len(subjects)), subjects)
        axes.set_xlim(-0.5, len(subjects) - 0.5)
        axes.set_ylim(0, 1)
        axes.set_ylabel("accuracy (mean over folds)")
        axes.set_title(f"{task} ({len(subjects)} subject{'s' if len(subjects) != 1 else ''})", fontsize="medium")
    figure.legend(list(legend.values()), list(legend), loc="outside right center", fontsize="small")
    return figure
