"""The simulated cursor: right decisions reach the cued target, wrong ones the other, a lone
decision moves nothing, and the cursor stops when decisions stop."""

import numpy as np
import pytest

from constrae.control.cursor import Cursor, CursorConfig
from constrae.control.simulate import perfect_decisions, run_task
from constrae.online.scoring import Cue, Decision

CLASSES = ["T1", "T2"]
CUES = [Cue(0.0, "T0"), Cue(4.0, "T1"), Cue(8.0, "T0"), Cue(12.0, "T2")]


def decisions_every(step_s: float, label_at) -> list[Decision]:
    return [Decision(float(t), label_at(t), 0.0) for t in np.arange(0.0, 16.0, step_s)]


def test_right_decisions_reach_each_cued_target_and_wrong_ones_the_other():
    config = CursorConfig()
    wrong = decisions_every(1 / 16, lambda t: "T2" if 4 <= t < 8 else "T1")
    right = perfect_decisions(wrong, CUES, CLASSES, 16.0)
    assert [d.label for d in right if 4 <= d.timestamp_s < 8] == ["T1"] * 64
    good, bad = run_task(right, CUES, CLASSES, config, 16.0), run_task(wrong, CUES, CLASSES, config, 16.0)
    assert (good.trials, good.success_rate, good.wrong_target_rate) == (2, 1.0, 0.0)
    assert (bad.success_rate, bad.wrong_target_rate) == (0.0, 1.0)
    # The average passes 0.6 at the 8th decision after the cue's (1 - e^(-n 0.0625 / 0.5) >= 0.6,
    # 0.5 s), then covers one target distance at a speed below 1: more than 1.5 s in all.
    assert 1.5 < good.median_time_to_target_s < 2.5


def test_a_lone_decision_moves_nothing_and_the_cursor_stops_after_the_timeout():
    cursor = Cursor(CLASSES, CursorConfig(timeout_s=0.5))
    cursor.reset(0.0)
    cursor.decide("T2", 0.0)
    assert cursor.step(0.2).position == 0.0
    for t in np.arange(0.0625, 1.0, 0.0625):
        cursor.decide("T2", float(t))
        cursor.step(float(t))
    moving = cursor.step(1.2)
    assert moving.velocity > 0 and not moving.stopped
    stopped = cursor.step(1.0 - 0.0625 + 0.5 + 0.01)
    assert stopped.stopped and stopped.velocity == 0.0
    assert cursor.step(5.0).position == pytest.approx(stopped.position)
