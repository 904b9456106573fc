"""What ``bench calibrate`` keeps of each subject: the task's trials, their MNE epochs for the
per-subject baselines, and the subject's alignment with the windows it gives.

Every subject is aligned (``constrae.population``) on the windows that overlap none of the
task's trials: a held-out subject's alignment never sees a trial it is tested on, whichever
trials a draw tests. Shapes: ``n`` trials, ``w`` windows, ``f`` model inputs.
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.bench.baselines import mne_protocol_epochs
from constrae.bench.decode import TRAINING_HOP_SECONDS
from constrae.bench.tasks import TASKS, TRIAL_SECONDS, LoadedTask, load_task
from constrae.data import EEGConfig, Preprocessing
from constrae.data.preprocessing import Representation
from constrae.data.windows import sliding_starts
from constrae.population import aligned_preprocessing


def eeg_config(representation: Representation) -> EEGConfig:
    """``bench decode``'s preprocessing: 1 s windows every 0.5 s, the default causal band-pass."""
    return EEGConfig(window_seconds=TRIAL_SECONDS, hop_seconds=TRAINING_HOP_SECONDS, representation=representation)


def trial_spans(task: LoadedTask) -> list[np.ndarray]:
    """Per recording, the [begin, end) spans of every trial's event."""
    return [task.trials.spans_in(index) for index in range(len(task.recordings))]


class AlignedInputs(NamedTuple):
    """One subject in one representation, through the alignment fitted on its trial-free windows."""

    preprocessing: Preprocessing
    windows: np.ndarray
    """(w, f) every sliding window: what the subject gives a population's pretraining (no labels)."""
    rest: np.ndarray
    """(w, f) the windows that overlap no trial: what the subject's own AE trains on."""
    trials: np.ndarray
    """(n, f) the trials' windows."""
    filtered_trials_NCW: np.ndarray
    """The trials' filtered windows before standardisation (what a deployed decoder receives)."""


def aligned_inputs(task: LoadedTask, representation: Representation) -> AlignedInputs:
    spans = trial_spans(task)
    preprocessing = aligned_preprocessing(task.recordings, eeg_config(representation), spans)
    rest = [preprocessing.training_starts(recording, s) for recording, s in zip(task.recordings, spans)]
    every = [sliding_starts(r.n_samples, preprocessing.window, preprocessing.hop) for r in task.recordings]
    filtered_NCW = task.trials.gather(task.recordings, preprocessing.filtered_windows)
    return AlignedInputs(
        preprocessing,
        np.concatenate([preprocessing.model_inputs(r, s) for r, s in zip(task.recordings, every)]),
        np.concatenate([preprocessing.model_inputs(r, s) for r, s in zip(task.recordings, rest)]),
        preprocessing.represent(preprocessing.standardize(filtered_NCW)),
        filtered_NCW,
    )


class CalibrationSubject(NamedTuple):
    task: LoadedTask
    y_N: np.ndarray
    """Class of each trial: 1 for the task's second class."""
    epochs_NCW: np.ndarray
    """The trials as MNE's CSP example prepares them (zero-phase FIR), for CSP+LDA and tangent space + LR."""
    inputs: dict[str, AlignedInputs]
    """Per representation."""

    @property
    def name(self) -> str:
        return self.task.subject


def calibration_subject(folder: Path, task_name: str, representations: list[Representation]) -> CalibrationSubject:
    task = load_task(task_name, folder)
    classes = list(TASKS[task_name].classes)
    y_N = (task.trials.labels_N == classes[1]).astype(int)
    epochs_NCW, _ = mne_protocol_epochs(task.paths, classes)
    return CalibrationSubject(
        task,
        y_N,
        epochs_NCW,
        {representation: aligned_inputs(task, representation) for representation in representations},
    )
