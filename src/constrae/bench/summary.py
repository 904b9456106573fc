"""Each method over subjects, against CSP+LDA on the same subject and splits.

A subject's score is its mean fold accuracy. Wins, ties and losses count the subjects where
the method's score is above, equal to or below the reference's; the p-value is a paired,
two-sided Wilcoxon signed-rank test of those differences over subjects (``scipy.stats.wilcoxon``,
zero differences dropped, its default). With fewer than 2 subjects, or no non-zero difference,
there is nothing to rank and the p-value is NaN with the reason beside it (scipy would say 1.0).
"""

import math
from typing import NamedTuple

import numpy as np
from scipy.stats import wilcoxon

from constrae.bench.decode import DecodeRow

REFERENCE_METHOD = "CSP+LDA (MNE protocol)"
"""The method every row is compared with, subject by subject."""

TIE_TOLERANCE = 1e-9
"""Accuracies closer than this are equal: means of the same fold fractions, summed in another
order, differ in the last bits, and the signed-rank test must see those as zeros, not as ranks."""

FEWER_THAN_TWO = "fewer than 2 subjects"
ALL_ZERO = "every difference from the reference is zero"


class WilcoxonP(NamedTuple):
    """A signed-rank p-value, or NaN and why there is none."""

    p: float
    no_test_reason: str | None
    """None when ``p`` is scipy's; else FEWER_THAN_TWO or ALL_ZERO."""


class SummaryRow(NamedTuple):
    """One method on one task over the subjects that have the task."""

    task: str
    method: str
    subjects: int
    accuracy_mean: float
    """Mean over subjects of each subject's mean fold accuracy."""
    roc_auc_mean: float
    """Mean over subjects of each subject's mean fold ROC-AUC."""
    wins: int
    """Subjects where the method's accuracy is above the reference's."""
    ties: int
    losses: int
    wilcoxon_p: float
    """Two-sided signed-rank p-value of the per-subject differences; NaN when there is no test."""
    no_test_reason: str | None
    """Why ``wilcoxon_p`` is NaN (None when it is a p-value)."""
    latency_median_us: float
    """Median over subjects of each subject's median decision latency."""


def differences(scores: dict[str, float], reference: dict[str, float]) -> list[float]:
    """Per subject present in both: score minus the reference's, 0.0 within TIE_TOLERANCE."""
    gaps = [scores[subject] - reference[subject] for subject in scores if subject in reference]
    return [0.0 if abs(gap) <= TIE_TOLERANCE else gap for gap in gaps]


def wins_ties_losses(gaps: list[float]) -> tuple[int, int, int]:
    return sum(g > 0 for g in gaps), sum(g == 0 for g in gaps), sum(g < 0 for g in gaps)


def paired_wilcoxon(gaps: list[float]) -> WilcoxonP:
    """Two-sided Wilcoxon signed-rank p of per-subject differences (``differences``)."""
    if len(gaps) < 2:
        return WilcoxonP(math.nan, FEWER_THAN_TWO)
    if not any(gaps):
        return WilcoxonP(math.nan, ALL_ZERO)
    return WilcoxonP(float(wilcoxon(gaps, alternative="two-sided").pvalue), None)


def summarise(rows: list[DecodeRow]) -> list[SummaryRow]:
    """One SummaryRow per task and method, in the rows' order."""
    summary = []
    for task, method in dict.fromkeys((r.task, r.method) for r in rows):
        own = {r.subject: r for r in rows if r.task == task and r.method == method}
        reference = {r.subject: r.accuracy_mean for r in rows if r.task == task and r.method == REFERENCE_METHOD}
        gaps = differences({subject: r.accuracy_mean for subject, r in own.items()}, reference)
        test = paired_wilcoxon(gaps)
        summary.append(
            SummaryRow(
                task,
                method,
                len(own),
                float(np.mean([r.accuracy_mean for r in own.values()])),
                float(np.mean([r.roc_auc_mean for r in own.values()])),
                *wins_ties_losses(gaps),
                test.p,
                test.no_test_reason,
                float(np.median([r.latency_us for r in own.values()])),
            )
        )
    return summary
