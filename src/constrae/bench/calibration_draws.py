"""Which of a held-out subject's trials calibrate its decoder, and which test it.

A draw takes ``k`` trials of each class at random as the calibration set and tests on every
other trial; ``k = "all"`` calibrates on a random stratified 80 % and tests on the other 20 %.
Shapes: ``n`` trials.
"""

from typing import Literal, NamedTuple

import numpy as np

from constrae.errors import DataError

TrialsPerClass = int | Literal["all"]

DEFAULT_TRIALS_PER_CLASS: tuple[TrialsPerClass, ...] = (2, 5, 10, 15, "all")
ALL_TEST_FRACTION = 0.2
"""With k = "all": the share of trials tested (MNE's protocol in ``bench decode``)."""


class CalibrationDraw(NamedTuple):
    calibration_N: np.ndarray
    """Indices of the calibration trials."""
    test_N: np.ndarray
    """Indices of every other trial."""


def calibration_draw(y_N: np.ndarray, k: TrialsPerClass, rng: np.random.Generator) -> CalibrationDraw:
    """One draw of ``k`` calibration trials per class; DataError when a class has too few
    trials to leave at least one of each class for the test."""
    classes, counts = np.unique(y_N, return_counts=True)
    if len(classes) != 2:
        raise DataError(f"calibration needs trials of two classes, got {len(classes)}")
    if k == "all":
        per_class = {c: count - max(1, int(round(ALL_TEST_FRACTION * count))) for c, count in zip(classes, counts)}
    else:
        if counts.min() <= k:
            raise DataError(f"{k} calibration trials per class leave no test trial of a class with {counts.min()}")
        per_class = {c: k for c in classes}
    calibration_N = np.sort(
        np.concatenate([rng.choice(np.flatnonzero(y_N == c), per_class[c], replace=False) for c in classes])
    )
    return CalibrationDraw(calibration_N, np.setdiff1d(np.arange(len(y_N)), calibration_N))


def parse_trials_per_class(text: str) -> TrialsPerClass:
    """``"5"`` -> 5, ``"all"`` -> "all"; DataError otherwise."""
    if text == "all":
        return "all"
    if not text.isdigit() or int(text) < 1:
        raise DataError(f"trials per class: expected a positive integer or 'all', got {text!r}")
    return int(text)
