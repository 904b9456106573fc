"""The decode benchmark over subjects: wins, ties, losses and the signed-rank test against
CSP+LDA, the tables and JSON they go into, and the line that says a subject skips a task."""

import json
import math

import numpy as np
import pytest

from constrae.bench.decode import DecodeRow
from constrae.bench.report import summary_table_lines, write_decode_report
from constrae.bench.subjects import SkippedTask, runnable_tasks
from constrae.bench.summary import ALL_ZERO, FEWER_THAN_TWO, REFERENCE_METHOD, summarise
from constrae.errors import DataError

SUBJECTS = ["S001", "S012", "S013", "S014", "S015", "S016"]
REFERENCE_ACCURACY = [0.61, 0.56, 0.52, 0.57, 0.57, 0.50]
GAPS = [0.10, 0.05, 0.20, 0.15, 0.30, 0.02]
"""Distinct, all positive: the exact two-sided signed-rank p of n such differences is 2 / 2^n."""


def decode_row(subject: str, method: str, fold_accuracies: list[float], latency_us: float = 100.0) -> DecodeRow:
    accuracy = float(np.mean(fold_accuracies))
    return DecodeRow(subject, "imagery_left_right", method, accuracy, 0.0, accuracy, 4, latency_us, fold_accuracies)


def rows_with(method: str, accuracies: list[float], latencies: list[float] | None = None) -> list[DecodeRow]:
    """The reference on every subject, and ``method`` with ``accuracies`` on the same subjects."""
    latencies = latencies or [100.0] * len(accuracies)
    return [
        *(decode_row(s, REFERENCE_METHOD, [a]) for s, a in zip(SUBJECTS, REFERENCE_ACCURACY)),
        *(decode_row(s, method, [a], t) for s, a, t in zip(SUBJECTS, accuracies, latencies)),
    ]


def summary_of(rows: list[DecodeRow], method: str):
    (row,) = [s for s in summarise(rows) if s.method == method]
    return row


def test_the_reference_itself_and_a_copy_of_it_tie_on_every_subject_with_no_test():
    rows = rows_with("copy of CSP+LDA", list(REFERENCE_ACCURACY))
    for method in (REFERENCE_METHOD, "copy of CSP+LDA"):
        row = summary_of(rows, method)
        assert (row.subjects, row.wins, row.ties, row.losses) == (6, 0, 6, 0)
        assert math.isnan(row.wilcoxon_p) and row.no_test_reason == ALL_ZERO


def test_better_on_every_subject_wins_everywhere_and_worse_loses_with_the_same_exact_p():
    better = summary_of(rows_with("better", [a + g for a, g in zip(REFERENCE_ACCURACY, GAPS)]), "better")
    worse = summary_of(rows_with("worse", [a - g for a, g in zip(REFERENCE_ACCURACY, GAPS)]), "worse")
    assert (better.wins, better.ties, better.losses) == (6, 0, 0)
    assert (worse.wins, worse.ties, worse.losses) == (0, 0, 6)
    assert better.wilcoxon_p == pytest.approx(2 / 2**6) and worse.wilcoxon_p == pytest.approx(2 / 2**6)
    assert better.no_test_reason is None
    assert better.accuracy_mean == pytest.approx(np.mean(REFERENCE_ACCURACY) + np.mean(GAPS))


def test_swapping_method_and_reference_swaps_wins_and_losses_and_keeps_p():
    mixed = [a + g * sign for a, g, sign in zip(REFERENCE_ACCURACY, GAPS, [1, -1, 1, 1, -1, 0])]
    forward = summary_of(rows_with("mixed", mixed), "mixed")
    swapped_rows = [
        *(decode_row(s, REFERENCE_METHOD, [a]) for s, a in zip(SUBJECTS, mixed)),
        *(decode_row(s, "mixed", [a]) for s, a in zip(SUBJECTS, REFERENCE_ACCURACY)),
    ]
    backward = summary_of(swapped_rows, "mixed")
    assert (forward.wins, forward.ties, forward.losses) == (3, 1, 2)
    assert (backward.wins, backward.ties, backward.losses) == (2, 1, 3)
    assert 0 < forward.wilcoxon_p < 1 and backward.wilcoxon_p == pytest.approx(forward.wilcoxon_p)


def test_equal_fold_accuracies_in_another_order_tie_although_their_float_means_differ():
    folds_a, folds_b = [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]
    assert np.mean(folds_a) != np.mean(folds_b), "the example needs means that differ in the last bits"
    rows = [decode_row(s, REFERENCE_METHOD, folds_a) for s in SUBJECTS[:3]]
    rows += [decode_row(s, "reordered", folds_b) for s in SUBJECTS[:3]]
    row = summary_of(rows, "reordered")
    assert (row.wins, row.ties, row.losses) == (0, 3, 0) and row.no_test_reason == ALL_ZERO


def test_one_subject_counts_its_win_but_has_no_test():
    rows = [decode_row("S001", REFERENCE_METHOD, [0.6]), decode_row("S001", "AE", [0.8], 50.0)]
    row = summary_of(rows, "AE")
    assert (row.subjects, row.wins, row.ties, row.losses) == (1, 1, 0, 0)
    assert math.isnan(row.wilcoxon_p) and row.no_test_reason == FEWER_THAN_TWO


def test_latency_is_the_median_over_subjects():
    rows = rows_with("AE", list(REFERENCE_ACCURACY), [10.0, 20.0, 30.0, 40.0, 1000.0, 5000.0])
    assert summary_of(rows, "AE").latency_median_us == 35.0


def test_a_missing_p_shows_as_n_a_with_its_reason_in_a_footnote():
    rows = rows_with("copy", list(REFERENCE_ACCURACY)) + rows_with("better", [a + 0.1 for a in REFERENCE_ACCURACY])
    lines = summary_table_lines(summarise(rows), "imagery_left_right")
    copy_line = next(line for line in lines if line.startswith("| copy |"))
    better_line = next(line for line in lines if line.startswith("| better |"))
    assert "| 0/6/0 | n/a [1] |" in copy_line and "| 6/0/0 | 0.0312 |" in better_line
    assert f"[1] n/a: {ALL_ZERO}, so there is no signed-rank test." in lines


def test_the_json_holds_every_subject_row_with_its_folds_the_summary_and_no_nan(tmp_path):
    rows = rows_with("copy", list(REFERENCE_ACCURACY))
    skipped = [SkippedTask("S012", "imagery_fists_feet", ["S012R06.edf", "S012R10.edf", "S012R14.edf"])]
    written = write_decode_report(rows, tmp_path, "unit test", skipped)
    assert [p.name for p in written] == ["decode.json", "decode.md", "decode.png"]
    document = json.loads((tmp_path / "decode.json").read_text(), parse_constant=pytest.fail)
    assert document["subjects"] == SUBJECTS
    assert [r["fold_accuracies"] for r in document["rows"]] == [[a] for a in REFERENCE_ACCURACY * 2]
    assert [s["method"] for s in document["summary"]] == [REFERENCE_METHOD, "copy"]
    assert document["summary"][1]["wilcoxon_p"] is None and document["summary"][1]["no_test_reason"] == ALL_ZERO
    assert document["skipped"][0]["task"] == "imagery_fists_feet"
    assert "skipped S012 imagery_fists_feet: missing S012R06.edf" in (tmp_path / "decode.md").read_text()


def test_a_subject_without_a_tasks_runs_skips_that_task_with_a_line_naming_the_files(shared_data, tmp_path):
    left_right_only = tmp_path / "S001"
    left_right_only.mkdir()
    for run in (4, 8, 12):
        (left_right_only / f"S001R{run:02d}.edf").symlink_to(shared_data / "eegmmidb" / "S001" / f"S001R{run:02d}.edf")
    lines: list[str] = []
    runnable, skipped = runnable_tasks([left_right_only], ["imagery_fists_feet", "imagery_left_right"], lines.append)
    assert runnable == [(left_right_only, "imagery_left_right")]
    assert lines == ["skipped S001 imagery_fists_feet: missing S001R06.edf, S001R10.edf, S001R14.edf"]
    assert [s.line() for s in skipped] == lines
    with pytest.raises(DataError, match=r"no subject has the recordings of any task asked \(imagery_fists_feet\)"):
        runnable_tasks([left_right_only], ["imagery_fists_feet"], lines.append)


def test_a_missing_folder_a_repeated_subject_and_an_unknown_task_are_named(shared_data, tmp_path):
    s001 = shared_data / "eegmmidb" / "S001"
    with pytest.raises(DataError, match=r"subject folder not found: .*S999"):
        runnable_tasks([s001, tmp_path / "S999"], ["imagery_left_right"], print)
    (tmp_path / "S001").mkdir()
    with pytest.raises(DataError, match=r"subject given more than once: S001"):
        runnable_tasks([s001, tmp_path / "S001"], ["imagery_left_right"], print)
    with pytest.raises(DataError, match=r"unknown task 'imagery_tongue'"):
        runnable_tasks([s001], ["imagery_tongue"], print)
