"""The decode benchmark's tables (Markdown, also readable as text), its JSON and its figure."""

import json
import math
from pathlib import Path

from constrae.bench.decode import DecodeRow
from constrae.bench.decode_figure import subject_accuracy_figure
from constrae.bench.subjects import SkippedTask
from constrae.bench.summary import REFERENCE_METHOD, SummaryRow, summarise
from constrae.io.atomic import atomic_write_text
from constrae.plots.autoencoder import save_figure

SUBJECT_COLUMNS = ("subject", "method", "accuracy", "std", "ROC-AUC", "features", "latency (us)")
SUMMARY_COLUMNS = (
    "method",
    "subjects",
    "accuracy",
    "ROC-AUC",
    f"W/T/L vs {REFERENCE_METHOD}",
    "Wilcoxon p",
    "median latency (us)",
)
SUMMARY_NOTE = (
    "Accuracy and ROC-AUC: means over subjects of each subject's mean over folds. W/T/L: subjects where the "
    f"method's mean fold accuracy is above, equal to or below {REFERENCE_METHOD}'s on the same subject and "
    "splits. Wilcoxon p: paired two-sided signed-rank test of those per-subject differences (scipy.stats.wilcoxon, "
    "zero differences dropped). Latency: median over subjects of each subject's median decision time."
)


def _header(columns: tuple[str, ...]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def subject_table_lines(rows: list[DecodeRow], task: str) -> list[str]:
    """Markdown table of one task's rows, subject by subject."""
    lines = _header(SUBJECT_COLUMNS)
    for r in (r for r in rows if r.task == task):
        lines.append(
            f"| {r.subject} | {r.method} | {r.accuracy_mean:.3f} | {r.accuracy_std:.3f} | {r.roc_auc_mean:.3f} "
            f"| {r.features} | {r.latency_us:.0f} |"
        )
    return lines


def summary_table_lines(summary: list[SummaryRow], task: str) -> list[str]:
    """Markdown table of one task over subjects; a missing p-value points to a footnote with the reason."""
    lines = _header(SUMMARY_COLUMNS)
    reasons: list[str] = []
    for s in (s for s in summary if s.task == task):
        if s.no_test_reason is None:
            p = f"{s.wilcoxon_p:.3g}"
        else:
            reasons += [] if s.no_test_reason in reasons else [s.no_test_reason]
            p = f"n/a [{reasons.index(s.no_test_reason) + 1}]"
        lines.append(
            f"| {s.method} | {s.subjects} | {s.accuracy_mean:.3f} | {s.roc_auc_mean:.3f} "
            f"| {s.wins}/{s.ties}/{s.losses} | {p} | {s.latency_median_us:.0f} |"
        )
    lines += [""] + [f"[{i + 1}] n/a: {reason}, so there is no signed-rank test." for i, reason in enumerate(reasons)]
    return lines


def nan_as_null(value):
    """``value`` with every NaN float replaced by None, which JSON can hold."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {key: nan_as_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [nan_as_null(item) for item in value]
    return value


def report_json(rows: list[DecodeRow], summary: list[SummaryRow], skipped: list[SkippedTask]) -> str:
    """Every per-subject row (with its fold accuracies), the summary rows and the skipped tasks; NaN as null."""
    document = {
        "subjects": list(dict.fromkeys(r.subject for r in rows)),
        "reference_method": REFERENCE_METHOD,
        "rows": [r._asdict() for r in rows],
        "summary": [s._asdict() for s in summary],
        "skipped": [s._asdict() for s in skipped],
    }
    return json.dumps(nan_as_null(document), indent=2)


def write_decode_report(
    rows: list[DecodeRow], out_dir: Path, header: str, skipped: list[SkippedTask] | None = None
) -> list[Path]:
    """decode.json, decode.md and decode.png (accuracy per subject) in ``out_dir``, each written atomically."""
    out_dir, skipped = Path(out_dir), skipped or []
    summary = summarise(rows)
    markdown = [f"# Decoding benchmark\n\n{header}\n"]
    markdown += [f"- {s.line()}" for s in skipped] + ([""] if skipped else [])
    for task in dict.fromkeys(r.task for r in rows):
        subjects = len({r.subject for r in rows if r.task == task})
        markdown += [
            f"## {task}: over {subjects} subject{'s' if subjects != 1 else ''}\n",
            *summary_table_lines(summary, task),
            "",
            SUMMARY_NOTE,
            "",
        ]
        markdown += [f"### {task}: per subject\n", *subject_table_lines(rows, task), ""]
    markdown.append("![accuracy per subject and method](decode.png)\n")
    return [
        atomic_write_text(out_dir / "decode.json", report_json(rows, summary, skipped)),
        atomic_write_text(out_dir / "decode.md", "\n".join(markdown)),
        save_figure(subject_accuracy_figure(rows), out_dir / "decode.png"),
    ]
