"""Benchmark tables as text, Markdown, JSON and a bar chart."""

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from constrae.bench.decode import DecodeRow
from constrae.io.atomic import atomic_write_text
from constrae.plots.autoencoder import save_figure

COLUMNS = ("method", "accuracy", "std", "ROC-AUC", "features", "latency (us)")


def table_lines(rows: list[DecodeRow], task: str) -> list[str]:
    """Markdown table of one task's rows (also readable as plain text)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in (r for r in rows if r.task == task):
        lines.append(
            f"| {r.method} | {r.accuracy_mean:.3f} | {r.accuracy_std:.3f} | {r.roc_auc_mean:.3f} "
            f"| {r.features} | {r.latency_us:.0f} |"
        )
    return lines


def accuracy_figure(rows: list[DecodeRow]) -> Figure:
    """Accuracy (mean and std over folds) per method, one panel per task."""
    tasks = list(dict.fromkeys(r.task for r in rows))
    methods = list(dict.fromkeys(r.method for r in rows))
    figure = Figure(figsize=(9, 1.2 + 0.32 * len(methods) * len(tasks)), layout="constrained")
    for index, task in enumerate(tasks):
        axes = figure.add_subplot(len(tasks), 1, index + 1)
        task_rows = {r.method: r for r in rows if r.task == task}
        shown = [m for m in methods if m in task_rows]
        means = [task_rows[m].accuracy_mean for m in shown]
        stds = [task_rows[m].accuracy_std for m in shown]
        colours = ["tab:grey" if not m.startswith("AE") else "tab:blue" for m in shown]
        axes.barh(np.arange(len(shown)), means, xerr=stds, color=colours)
        axes.set_yticks(np.arange(len(shown)), shown, fontsize="small")
        axes.invert_yaxis()
        axes.axvline(0.5, color="black", linewidth=0.8, linestyle=":")
        axes.set_xlim(0, 1)
        axes.set_title(task, fontsize="medium")
    axes.set_xlabel("accuracy over ShuffleSplit folds (mean, std); grey: baselines, blue: AE features")
    return figure


def write_decode_report(rows: list[DecodeRow], out_dir: Path, header: str) -> list[Path]:
    """decode.json, decode.md and decode.png in ``out_dir``."""
    out_dir = Path(out_dir)
    tasks = list(dict.fromkeys(r.task for r in rows))
    markdown = [f"# Decoding benchmark\n\n{header}\n"]
    for task in tasks:
        markdown += [f"## {task}\n", *table_lines(rows, task), ""]
    markdown.append("![accuracy per method](decode.png)\n")
    return [
        atomic_write_text(out_dir / "decode.json", json.dumps([r._asdict() for r in rows], indent=2)),
        atomic_write_text(out_dir / "decode.md", "\n".join(markdown)),
        save_figure(accuracy_figure(rows), out_dir / "decode.png"),
    ]
