"""``bench calibrate``'s outputs per task: ``calibrate_TASK.json`` (a list of rows with exactly
the keys subject, method, k, accuracy_mean, roc_auc_mean, latency_us), the curves of accuracy
against calibration trials (``calibrate_TASK.png``), and one ``calibrate.md`` for every task."""

import json
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from constrae.bench.calibrate import SUBJECT_BASELINES, CalibrationRow
from constrae.bench.calibration_draws import TrialsPerClass
from constrae.bench.decode_figure import CHANCE
from constrae.bench.report import nan_as_null
from constrae.io.atomic import atomic_write_text
from constrae.plots.autoencoder import save_figure


def _ks(rows: list[CalibrationRow]) -> list[TrialsPerClass]:
    return list(dict.fromkeys(r.k for r in rows))


def _methods(rows: list[CalibrationRow]) -> list[str]:
    return list(dict.fromkeys(r.method for r in rows))


def mean_over_subjects(rows: list[CalibrationRow], method: str, k: TrialsPerClass, field: str) -> float:
    return float(np.nanmean([getattr(r, field) for r in rows if r.method == method and r.k == k]))


def mean_table_lines(rows: list[CalibrationRow]) -> list[str]:
    """Per method: mean accuracy over subjects at each k, then ROC-AUC at each k, then the median latency."""
    ks = _ks(rows)
    header = ["method", *(f"acc k={k}" for k in ks), *(f"AUC k={k}" for k in ks), "median latency (us)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in _methods(rows):
        accuracy = [f"{mean_over_subjects(rows, method, k, 'accuracy_mean'):.3f}" for k in ks]
        auc = [f"{mean_over_subjects(rows, method, k, 'roc_auc_mean'):.3f}" for k in ks]
        latency = np.median([r.latency_us for r in rows if r.method == method])
        lines.append(f"| {method} | " + " | ".join([*accuracy, *auc, f"{latency:.0f}"]) + " |")
    return lines


def subject_table_lines(rows: list[CalibrationRow], k: TrialsPerClass) -> list[str]:
    """Accuracy per held-out subject (columns) and method (rows) at one k, their mean, and the
    subjects where the method is above, level with or below CSP+LDA on the same draws."""
    subjects = list(dict.fromkeys(r.subject for r in rows))
    header = ["method", *subjects, "mean", f"W/T/L vs {SUBJECT_BASELINES[0]}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    accuracy = {(r.method, r.subject): r.accuracy_mean for r in rows if r.k == k}
    for method in _methods(rows):
        cells = [f"{accuracy[(method, s)]:.3f}" for s in subjects]
        gaps = [accuracy[(method, s)] - accuracy[(SUBJECT_BASELINES[0], s)] for s in subjects]
        wins, ties = sum(gap > 0 for gap in gaps), sum(gap == 0 for gap in gaps)
        mean = np.mean([accuracy[(method, s)] for s in subjects])
        lines.append(
            f"| {method} | " + " | ".join(cells) + f" | {mean:.3f} | {wins}/{ties}/{len(gaps) - wins - ties} |"
        )
    return lines


def calibration_figure(rows: list[CalibrationRow], task: str) -> Figure:
    """Mean accuracy over held-out subjects against calibration trials per class, one line per
    method, the band one standard deviation over subjects either side; per-subject baselines grey."""
    ks = _ks(rows)
    figure = Figure(figsize=(10, 5.5), layout="constrained")
    axes = figure.add_subplot()
    palette = colormaps["tab10"]
    x = np.arange(len(ks))
    for index, method in enumerate(_methods(rows)):
        per_k = [[r.accuracy_mean for r in rows if r.method == method and r.k == k] for k in ks]
        mean, spread = np.array([np.mean(v) for v in per_k]), np.array([np.std(v) for v in per_k])
        colour = "black" if method == SUBJECT_BASELINES[0] else palette(index % palette.N)
        style = "--" if method in SUBJECT_BASELINES else "-"
        axes.plot(x, mean, style, color=colour, marker="o", label=method)
        axes.fill_between(x, mean - spread, mean + spread, color=colour, alpha=0.08)
    axes.axhline(CHANCE, color="black", linewidth=0.8, linestyle=":", label=f"chance ({CHANCE})")
    axes.set_xticks(x, [str(k) for k in ks])
    axes.set_xlabel("calibration trials per class of the new user (all: 80 % of their trials)")
    axes.set_ylabel("accuracy on the other trials")
    axes.set_ylim(0.3, 1.0)
    subjects = len({r.subject for r in rows})
    axes.set_title(f"{task}: mean over {subjects} held-out subjects (band: 1 std over subjects)", fontsize="medium")
    figure.legend(loc="outside lower center", ncols=2, fontsize="small")
    return figure


def write_calibration_report(rows_by_task: dict[str, list[CalibrationRow]], out_dir: Path, header: str) -> list[Path]:
    """calibrate.md, and per task calibrate_TASK.json and calibrate_TASK.png, each written atomically."""
    out_dir = Path(out_dir)
    written, markdown = [], [f"# Calibration benchmark\n\n{header}\n"]
    for task, rows in rows_by_task.items():
        subjects = len({r.subject for r in rows})
        markdown += [f"## {task}: mean over {subjects} held-out subjects\n", *mean_table_lines(rows), ""]
        for k in (5, "all"):
            if k in _ks(rows):
                markdown += [f"### {task}: accuracy per held-out subject, k = {k}\n", *subject_table_lines(rows, k), ""]
        markdown.append(f"![accuracy against calibration trials](calibrate_{task}.png)\n")
        document = json.dumps(nan_as_null([r._asdict() for r in rows]), indent=2)
        written.append(atomic_write_text(out_dir / f"calibrate_{task}.json", document))
        written.append(save_figure(calibration_figure(rows, task), out_dir / f"calibrate_{task}.png"))
    written.append(atomic_write_text(out_dir / "calibrate.md", "\n".join(markdown)))
    return written
