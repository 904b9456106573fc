"""What ``bench calibrate`` keeps of each subject: the task's trials, their MNE epochs for the
per-subject baselines, and the subject's alignment with the windows it gives.

Every subject is aligned (``constrae.population``) on the stretches of its recordings between
the task's trials, each filtered on its own from rest: the causal filter's memory would carry a
trial into the rest after it, so a held-out subject's alignment reads no sample of any trial a
draw may test. Shapes: ``n`` trials, ``w`` windows, ``f`` model inputs.
"""

import dataclasses
from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.bench.baselines import mne_protocol_epochs
from constrae.bench.decode import TRAINING_HOP_SECONDS
from constrae.bench.tasks import TRIAL_SECONDS, LoadedTask, load_task
from constrae.data import EEGConfig, Events, Preprocessing, Recording
from constrae.data.preprocessing import Representation
from constrae.population import aligned_preprocessing


def eeg_config(representation: Representation) -> EEGConfig:
    """``bench decode``'s preprocessing: 1 s windows every 0.5 s, the default causal band-pass."""
    return EEGConfig(window_seconds=TRIAL_SECONDS, hop_seconds=TRAINING_HOP_SECONDS, representation=representation)


SETTLE_SECONDS = 0.5
"""A trial-free stretch's windows start this long after it does, past the filter's start from rest."""


def trial_spans(task: LoadedTask) -> list[np.ndarray]:
    """Per recording, the [begin, end) spans of every trial's event."""
    return [task.trials.spans_in(index) for index in range(len(task.recordings))]


def trial_free_stretches(task: LoadedTask) -> list[Recording]:
    """Every stretch of the task's recordings before, between and after its trials, as a recording
    of its own (no events)."""
    stretches = []
    for recording, spans_S2 in zip(task.recordings, trial_spans(task), strict=True):
        edges = [0, *np.sort(spans_S2, axis=0).ravel().tolist(), recording.n_samples]
        for begin, end in zip(edges[::2], edges[1::2], strict=True):
            if end > begin:
                stretches.append(
                    dataclasses.replace(recording, signals_CT=recording.signals_CT[:, begin:end], events=Events.none())
                )
    return stretches


class AlignedInputs(NamedTuple):
    """One subject in one representation, through the alignment fitted on its trial-free windows."""

    preprocessing: Preprocessing
    windows: np.ndarray
    """(w, f) every sliding window: what the subject gives a population's pretraining (no labels)."""
    rest: np.ndarray
    """(w, f) the windows of the trial-free stretches (the alignment's): what the subject's own AE trains on."""
    trials: np.ndarray
    """(n, f) the trials' windows."""
    filtered_trials_NCW: np.ndarray
    """The trials' filtered windows before standardisation (what a deployed decoder receives)."""


def settling(stretch: Recording) -> np.ndarray:
    """The stretch's first SETTLE_SECONDS, as a span no window may overlap."""
    return np.array([[0, int(round(SETTLE_SECONDS * stretch.sfreq))]])


def fit_on_stretches(stretches: list[Recording], representation: Representation) -> Preprocessing:
    """A preprocessing fitted on the settled windows of trial-free stretches."""
    return aligned_preprocessing(stretches, eeg_config(representation), [settling(s) for s in stretches])


def aligned_inputs(task: LoadedTask, representation: Representation) -> AlignedInputs:
    stretches = trial_free_stretches(task)
    preprocessing = fit_on_stretches(stretches, representation)
    rest = [preprocessing.model_inputs(s, preprocessing.training_starts(s, settling(s))) for s in stretches]
    filtered_NCW = task.trials.gather(task.recordings, preprocessing.filtered_windows)
    return AlignedInputs(
        preprocessing,
        np.concatenate([preprocessing.model_inputs(recording) for recording in task.recordings]),
        np.concatenate(rest),
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
    classes = task.classes
    y_N = (task.trials.labels_N == classes[1]).astype(int)
    epochs_NCW, _ = mne_protocol_epochs(task.paths, classes)
    return CalibrationSubject(
        task,
        y_N,
        epochs_NCW,
        {representation: aligned_inputs(task, representation) for representation in representations},
    )
