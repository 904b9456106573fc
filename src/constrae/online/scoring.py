"""Scores of a pseudo-online session: decisions (time stamped as their window's last sample)
against the cues of a marker stream, as BCI studies report them.

A trial is a cue of one of the decoder's classes, lasting until the next marker; rest is a cue
labelled ``rest_label``. A decision belongs to a trial when its whole window lies inside it.
Shapes: ``d`` decisions, ``n`` trials.
"""

import math
from typing import NamedTuple

import numpy as np

CONFIDENT_PROBABILITY = 0.8
"""A decision is confident when the decoder gives its class at least this probability (for LDA
the decision value is the log-odds, so |value| >= log(0.8 / 0.2))."""
STABLE_DECISIONS = 3
"""A trial is decided correctly and stably by the last of this many consecutive correct decisions
(when an effector that waits for agreement would act)."""


class Cue(NamedTuple):
    onset_s: float
    label: str


class Decision(NamedTuple):
    timestamp_s: float
    """Time stamp of the window's last sample."""
    label: str
    value: float
    """The decoder's decision value: the log-odds of the second class for LDA."""


class Trial(NamedTuple):
    label: str
    begin_s: float
    end_s: float


class OnlineScores(NamedTuple):
    trials: int
    majority_accuracy: float
    """Share of trials whose decisions' majority is the cued class (a tie counts as wrong)."""
    first_confident_accuracy: float
    """Share of trials whose first confident decision is the cued class (none: wrong)."""
    time_to_stable_s: float
    """Median time from cue to the decision that completes the first run of STABLE_DECISIONS
    consecutive correct decisions, over the trials that have one (NaN: none has)."""
    trials_stable: int
    false_activations_per_min: float
    """Activations per minute of rest: runs of STABLE_DECISIONS consecutive confident decisions of
    one class (what would move an effector), counted where each run starts."""
    decisions_per_s: float
    itr_bits_per_min: float
    """Wolpaw's information transfer rate at the majority accuracy, one selection per trial."""


def trials_of_cues(cues: list[Cue], classes: list[str], end_s: float) -> tuple[list[Trial], list[Trial]]:
    """(class trials, rest periods): each cue lasts until the next one, the last until ``end_s``."""
    ordered = sorted(cues)
    spans = [
        Trial(cue.label, cue.onset_s, nxt.onset_s if nxt else end_s)
        for cue, nxt in zip(ordered, [*ordered[1:], None], strict=True)
    ]
    return [s for s in spans if s.label in classes], [s for s in spans if s.label not in classes]


def confident(value: float) -> bool:
    return abs(value) >= math.log(CONFIDENT_PROBABILITY / (1 - CONFIDENT_PROBABILITY))


def wolpaw_itr_bits(accuracy: float, n_classes: int) -> float:
    """Bits per selection: log2 N + P log2 P + (1 - P) log2((1 - P) / (N - 1)); 0 at or below chance."""
    if accuracy <= 1 / n_classes:
        return 0.0
    bits = math.log2(n_classes) + accuracy * math.log2(accuracy)
    if accuracy < 1:
        bits += (1 - accuracy) * math.log2((1 - accuracy) / (n_classes - 1))
    return bits


def activations(decisions: list[Decision]) -> int:
    """How many runs of STABLE_DECISIONS consecutive confident decisions of one class start here."""
    count, run, previous = 0, 0, None
    for decision in decisions:
        run = run + 1 if confident(decision.value) and decision.label == previous else int(confident(decision.value))
        previous = decision.label
        count += run == STABLE_DECISIONS
    return count


def inside(decisions: list[Decision], span: Trial, window_s: float) -> list[Decision]:
    return [d for d in decisions if d.timestamp_s - window_s >= span.begin_s and d.timestamp_s < span.end_s]


def score_session(
    decisions: list[Decision], cues: list[Cue], classes: list[str], window_s: float, end_s: float
) -> OnlineScores:
    """The scores of one session; ``window_s`` is a decision window's length, ``end_s`` when the
    stream ended (the last cue's end)."""
    trials, rests = trials_of_cues(cues, classes, end_s)
    majority, first, stable_s = [], [], []
    for trial in trials:
        held = inside(decisions, trial, window_s)
        votes = [d.label for d in held]
        majority.append(votes.count(trial.label) > len(votes) / 2)
        sure = [d for d in held if confident(d.value)]
        first.append(bool(sure) and sure[0].label == trial.label)
        run = 0
        for d in held:
            run = run + 1 if d.label == trial.label else 0
            if run == STABLE_DECISIONS:
                stable_s.append(d.timestamp_s - trial.begin_s)
                break
    rest_minutes = sum(r.end_s - r.begin_s for r in rests) / 60
    false = sum(activations(inside(decisions, rest, window_s)) for rest in rests)
    accuracy = float(np.mean(majority)) if trials else float("nan")
    mean_trial_min = float(np.mean([t.end_s - t.begin_s for t in trials])) / 60 if trials else float("nan")
    span_s = decisions[-1].timestamp_s - decisions[0].timestamp_s if len(decisions) > 1 else float("nan")
    return OnlineScores(
        len(trials),
        accuracy,
        float(np.mean(first)) if trials else float("nan"),
        float(np.median(stable_s)) if stable_s else float("nan"),
        len(stable_s),
        false / rest_minutes if rest_minutes > 0 else float("nan"),
        (len(decisions) - 1) / span_s if len(decisions) > 1 else float("nan"),
        wolpaw_itr_bits(accuracy, len(classes)) / mean_trial_min if trials else float("nan"),
    )
