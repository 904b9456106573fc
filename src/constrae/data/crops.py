"""Cropped training: a classifier fitted on the windows around each training trial's window
(every ``hop`` within +-``reach`` seconds of it, inside the recording), as cropped decoders are
trained (Schirrmeister et al. 2017), and tested on the trial windows themselves.

Shapes: ``n`` trials, ``k`` crops per trial, ``m`` = n k crops.
"""

from typing import NamedTuple

import numpy as np

from constrae.data.trials import Trials

CROP_REACH_SECONDS = 0.5
"""How far a crop may start from its trial's window: chosen on S001 and S012-S015 (left/right and
fists/feet) over one window, +-0.5 s, 0 to +1 s and -0.5 to +2.1 s (the whole imagery period)."""
CROP_HOP_SECONDS = 0.125


class Crops(NamedTuple):
    trials: Trials
    """One row per crop: its recording, first sample, label and its trial's event span."""
    trial_M: np.ndarray
    """Index of the trial each crop comes from."""


def crops_of(
    trials: Trials, sfreq: float, n_samples: list[int], window: int, reach_seconds: float, hop_seconds: float
) -> Crops:
    """Every ``window``-sample window starting a multiple of ``hop_seconds`` from a trial's window,
    at most ``reach_seconds`` from it, that lies inside its recording (of ``n_samples``): the
    trial's own window is one of them, and with ``reach_seconds`` 0 the only one."""
    reach, hop = int(round(reach_seconds * sfreq)), max(1, int(round(hop_seconds * sfreq)))
    offsets_K = np.arange(-(reach // hop), reach // hop + 1) * hop
    trial_M = np.repeat(np.arange(len(trials.starts_N)), len(offsets_K))
    starts_M = (trials.starts_N[:, None] + offsets_K[None]).reshape(-1)
    inside_M = (starts_M >= 0) & (starts_M + window <= np.asarray(n_samples)[trials.recording_N[trial_M]])
    trial_M, starts_M = trial_M[inside_M], starts_M[inside_M]
    cropped = Trials(trials.recording_N[trial_M], starts_M, trials.labels_N[trial_M], trials.spans_N2[trial_M])
    return Crops(cropped, trial_M)


def of_trials(crops: Crops, trials_N: np.ndarray) -> np.ndarray:
    """Indices of the crops of the trials ``trials_N``."""
    return np.flatnonzero(np.isin(crops.trial_M, trials_N))
