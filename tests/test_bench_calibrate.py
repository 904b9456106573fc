"""``bench calibrate``: draws of calibration trials, each subject's alignment away from every
trial, and the command on two real subjects."""

import dataclasses
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from constrae.bench.calibration_draws import calibration_draw
from constrae.bench.calibration_subjects import aligned_inputs
from constrae.bench.tasks import load_task
from constrae.cli import app
from constrae.errors import DataError

ROW_KEYS = ["subject", "method", "k", "accuracy_mean", "roc_auc_mean", "latency_us"]


@pytest.mark.parametrize("k", [1, 5, 14])
def test_a_draw_takes_k_trials_of_each_class_and_tests_on_every_other(k):
    y_N = np.array([0] * 15 + [1] * 16)
    rng = np.random.default_rng(3)
    draws = [calibration_draw(y_N, k, rng) for _ in range(5)]
    for draw in draws:
        assert np.bincount(y_N[draw.calibration_N]).tolist() == [k, k]
        assert sorted([*draw.calibration_N, *draw.test_N]) == list(range(len(y_N)))
    assert len({tuple(d.calibration_N) for d in draws}) > 1


def test_all_calibrates_on_four_fifths_of_each_class():
    y_N = np.array([0] * 20 + [1] * 25)
    draw = calibration_draw(y_N, "all", np.random.default_rng(0))
    assert np.bincount(y_N[draw.calibration_N]).tolist() == [16, 20]
    assert np.bincount(y_N[draw.test_N]).tolist() == [4, 5]


def test_a_draw_that_would_leave_a_class_untested_is_refused():
    with pytest.raises(DataError, match="leave no test trial"):
        calibration_draw(np.array([0] * 5 + [1] * 9), 5, np.random.default_rng(0))


def test_a_held_out_subjects_alignment_never_reads_a_trial(shared_data):
    """Every trial's samples replaced by garbage: the subject's alignment (channel statistics and
    tangent reference) is the same, so no trial a draw tests can leak into it."""
    task = load_task("imagery_left_right", shared_data / "eegmmidb" / "S001")
    poisoned = []
    rng = np.random.default_rng(0)
    for index, recording in enumerate(task.recordings):
        signals_CT = recording.signals_CT.copy()
        for begin, end in task.trials.spans_in(index):
            signals_CT[:, begin:end] = 1e3 * rng.standard_normal((len(signals_CT), end - begin))
        poisoned.append(dataclasses.replace(recording, signals_CT=signals_CT))
    honest = aligned_inputs(task, "tangent_space")
    spoiled = aligned_inputs(task._replace(recordings=poisoned), "tangent_space")
    assert spoiled.preprocessing.to_mapping() == honest.preprocessing.to_mapping()
    np.testing.assert_array_equal(spoiled.rest, honest.rest)
    assert not np.allclose(spoiled.trials, honest.trials)


@pytest.mark.slow
def test_bench_calibrate_on_two_subjects_writes_every_row_and_reuses_them(shared_data, tmp_path):
    subjects = [str(shared_data / "eegmmidb" / s) for s in ("S001", "S015")]
    command = [
        "bench", "calibrate", "--subject", subjects[0], "--subject", subjects[1], "--task", "imagery_fists_feet",
        "--k", "5", "--k", "all", "--draws", "1", "--out", str(tmp_path), "--no-progress",
    ]  # fmt: skip
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "calibrate_imagery_fists_feet.json").read_text())
    assert all(list(row) == ROW_KEYS for row in rows)
    methods = {row["method"] for row in rows}
    assert len(methods) == 7 and {"CSP+LDA (MNE protocol)", "tangent space+LR (pyriemann)"} < methods
    assert sorted({(row["subject"], row["k"]) for row in rows}, key=str) == sorted(
        {(s, k) for s in ("S001", "S015") for k in (5, "all")}, key=str
    )
    assert len(rows) == 2 * 2 * 7
    assert all(0 <= row["accuracy_mean"] <= 1 and row["latency_us"] > 0 for row in rows)
    assert (tmp_path / "calibrate_imagery_fists_feet.png").read_bytes()[:4] == b"\x89PNG"
    assert "population AE" in (tmp_path / "calibrate.md").read_text()
    cached = {path: path.stat().st_mtime_ns for path in (tmp_path / "rows").rglob("*.json")}
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "calibrate_imagery_fists_feet.json").read_text()) == rows
    assert {path: path.stat().st_mtime_ns for path in cached} == cached


def test_raw_inputs_of_a_subject_whose_stretches_include_ones_too_short_for_a_window(shared_data):
    """Some of S001's stretches between trials are 0.5 s long: they give no window, not an error."""
    task = load_task("imagery_left_right", shared_data / "eegmmidb" / "S001")
    inputs = aligned_inputs(task, "raw")
    assert inputs.rest.shape[1] == inputs.trials.shape[1] == 64 * 160
    assert len(inputs.trials) == len(task.trials.labels_N) and len(inputs.rest) > 200
