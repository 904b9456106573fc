"""``bench online``'s outputs: a Markdown table, JSON, and a timeline of the first session
(cues shaded, the model's decision values, a few codes)."""

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from constrae.bench.report import nan_as_null
from constrae.io.atomic import atomic_write_text
from constrae.online.bench import OnlineRow
from constrae.online.scoring import trials_of_cues
from constrae.online.session import SessionRecord
from constrae.plots.autoencoder import save_figure

COLUMNS = (
    "recording", "method", "offline accuracy", "online accuracy (majority)", "first confident",
    "time to stable (s)", "false activations /min of rest", "decisions/s", "ITR (bits/min)", "latency p50/p99 (ms)",
    "cursor: targets reached (perfect decoder)", "cursor: median time to target (s)",
)  # fmt: skip
TIMELINE_CODES = 3


def table_lines(rows: list[OnlineRow]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        s = r.scores
        latency = "" if np.isnan(r.latency_p50_ms) else f"{r.latency_p50_ms:.2f} / {r.latency_p99_ms:.2f}"
        lines.append(
            f"| {r.recording} | {r.method} | {r.offline_accuracy:.3f} | {s.majority_accuracy:.3f} "
            f"| {s.first_confident_accuracy:.3f} | {s.time_to_stable_s:.2f} ({s.trials_stable}/{s.trials}) "
            f"| {s.false_activations_per_min:.1f} | {s.decisions_per_s:.1f} | {s.itr_bits_per_min:.2f} | {latency} "
            f"| {r.effector.success_rate:.3f} ({r.perfect_effector.success_rate:.3f}) "
            f"| {r.effector.median_time_to_target_s:.2f} |"
        )
    return lines


def timeline_figure(session: SessionRecord, classes: list[str], title: str) -> Figure:
    figure = Figure(figsize=(12, 5), layout="constrained")
    decisions_axes, codes_axes = figure.add_subplot(2, 1, 1), figure.add_subplot(2, 1, 2)
    trials, _ = trials_of_cues(session.cues, classes, session.end_s)
    colours = {classes[0]: "tab:blue", classes[1]: "tab:orange"}
    for axes in (decisions_axes, codes_axes):
        for trial in trials:
            axes.axvspan(
                trial.begin_s - session.start_s, trial.end_s - session.start_s, color=colours[trial.label], alpha=0.15
            )
    times_D = np.array([d.timestamp_s for d in session.decisions]) - session.start_s
    values_D = np.array([d.value for d in session.decisions])
    decisions_axes.scatter(times_D, values_D, s=4, c=np.where(values_D > 0, "tab:orange", "tab:blue"))
    decisions_axes.axhline(0, color="black", linewidth=0.8)
    decisions_axes.set_ylabel(f"decision value (> 0: {classes[1]})")
    decisions_axes.set_title(f"{title}: cues shaded ({classes[0]} blue, {classes[1]} orange), a dot per decision")
    for unit in range(min(TIMELINE_CODES, session.codes_DH.shape[1])):
        codes_axes.plot(times_D, session.codes_DH[:, unit], linewidth=0.8, label=f"code {unit}")
    codes_axes.set_xlabel("seconds from the recording's start")
    codes_axes.set_ylabel("codes")
    codes_axes.legend(loc="upper right", fontsize="small")
    return figure


def write_online_report(
    rows: list[OnlineRow], sessions: list[SessionRecord], classes: list[str], out: Path, header: str
) -> list[Path]:
    document = [
        {
            **r._asdict(),
            "scores": r.scores._asdict(),
            "effector": r.effector._asdict(),
            "perfect_effector": r.perfect_effector._asdict(),
        }
        for r in rows
    ]
    figure = timeline_figure(sessions[0], classes, rows[0].recording)
    return [
        atomic_write_text(out / "online.json", json.dumps(nan_as_null(document), indent=2)),
        atomic_write_text(
            out / "online.md", "\n".join([f"# Pseudo-online benchmark\n\n{header}\n", *table_lines(rows), ""])
        ),
        save_figure(figure, out / "online_timeline.png"),
    ]
