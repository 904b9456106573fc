"""The cursor task on recorded decisions: at each cue the cursor starts from the middle; the
trial succeeds when the cursor reaches the cued class's target before the next cue.

Shapes: ``d`` decisions.
"""

from typing import NamedTuple

import numpy as np

from constrae.control.cursor import Cursor, CursorConfig
from constrae.online.scoring import Cue, Decision, trials_of_cues

STEP_S = 0.01
"""Simulation step."""


class TaskScores(NamedTuple):
    trials: int
    success_rate: float
    """Share of trials whose target was reached before the trial ended."""
    wrong_target_rate: float
    """Share of trials where the other target was reached first."""
    median_time_to_target_s: float
    """Over the successful trials (NaN: none)."""


def run_task(decisions: list[Decision], cues: list[Cue], classes: list[str], config: CursorConfig, end_s: float):
    """TaskScores of the cursor task driven by ``decisions`` (in time order)."""
    trials, _ = trials_of_cues(cues, classes, end_s)
    reached, wrong, times = [], [], []
    for trial in trials:
        cursor = Cursor(classes, config)
        cursor.reset(trial.begin_s)
        inside = [d for d in decisions if trial.begin_s <= d.timestamp_s < trial.end_s]
        target = 1.0 if trial.label == classes[1] else -1.0
        outcome, index, t = None, 0, trial.begin_s
        while t < trial.end_s and outcome is None:
            while index < len(inside) and inside[index].timestamp_s <= t:
                cursor.decide(inside[index].label, inside[index].timestamp_s)
                index += 1
            position = cursor.step(t).position
            if abs(position) >= 1.0:
                outcome = position == target
            t += STEP_S
        reached.append(outcome is True)
        wrong.append(outcome is False)
        if outcome:
            times.append(t - trial.begin_s)
    return TaskScores(
        len(trials),
        float(np.mean(reached)) if trials else float("nan"),
        float(np.mean(wrong)) if trials else float("nan"),
        float(np.median(times)) if times else float("nan"),
    )


def perfect_decisions(decisions: list[Decision], cues: list[Cue], classes: list[str], end_s: float) -> list[Decision]:
    """The same decision times, each answering the class of the trial it falls in (rest: unchanged)."""
    trials, _ = trials_of_cues(cues, classes, end_s)
    perfect = []
    for d in decisions:
        holding = [t for t in trials if t.begin_s <= d.timestamp_s < t.end_s]
        perfect.append(d._replace(label=holding[0].label) if holding else d)
    return perfect
