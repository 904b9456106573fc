"""Gaps in a stream, from its time stamps: where samples went missing, and how many."""

from typing import NamedTuple

import numpy as np


class Gap(NamedTuple):
    """Missing samples just before one sample of a chunk."""

    position: int
    """Index in the chunk of the first sample after the gap."""
    missing: int
    """Samples missing, from the jump in time stamps and the nominal rate."""


def find_gaps(previous_stamp: float | None, timestamps_T: np.ndarray, sfreq: float, gap_periods: float) -> list[Gap]:
    """Every step between consecutive stamps (the previous chunk's last one included)
    longer than ``gap_periods`` sample periods."""
    stamps = timestamps_T if previous_stamp is None else np.concatenate([[previous_stamp], timestamps_T])
    steps = np.diff(stamps) * sfreq
    offset = 1 if previous_stamp is None else 0
    return [Gap(int(k) + offset, max(1, int(round(steps[k])) - 1)) for k in np.flatnonzero(steps > gap_periods)]
