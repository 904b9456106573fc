"""Real EEG windows for the latency benchmark: S001's imagined fists-vs-feet runs (6, 10, 14).

Shapes: ``b`` windows or trials, ``c`` channels (64), ``t`` samples (160, 1 s at 160 Hz).
They go through constrae's own EEG preprocessing (``constrae.data``): causal
7-30 Hz band-pass and per-channel standardisation, fitted here on all three runs
(a benchmark of speed, not of generalisation: no fold is held out).
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.bench.tasks import load_task
from constrae.data import EEGConfig, Preprocessing

TASK = "imagery_fists_feet"
HOP_SECONDS = 0.5


class EegWindows(NamedTuple):
    """Standardised windows of S001 and the labelled trials a CSP pipeline is fitted on."""

    windows_BCT: np.ndarray
    """Sliding 1 s windows (hop 0.5 s) over the three runs, float32."""
    trials_BCT: np.ndarray
    """The 1 s from 1 s to 2 s after each T1/T2 cue, float32."""
    labels_B: np.ndarray
    """Trial labels: T1 (fists) or T2 (feet)."""
    channel_mean_C: np.ndarray
    """Per-channel mean of the filtered training windows (volts)."""
    channel_std_C: np.ndarray
    """Per-channel standard deviation of the filtered training windows (volts)."""
    sfreq: float
    """Sampling rate in Hz."""


def load_imagery_windows(subject_dir: str | Path, max_windows: int = 256) -> EegWindows:
    """S001's imagery runs as standardised windows and trials; DataError names a missing file."""
    task = load_task(TASK, Path(subject_dir))
    preprocessing = Preprocessing.fit(task.recordings, EEGConfig(hop_seconds=HOP_SECONDS))
    shape = (-1, len(preprocessing.channels), preprocessing.window)
    windows_BN = np.concatenate([preprocessing.model_inputs(recording) for recording in task.recordings])
    trials_BN = task.trials.gather(task.recordings, preprocessing.model_inputs)
    return EegWindows(
        windows_BN[:max_windows].reshape(shape),
        trials_BN.reshape(shape),
        task.trials.labels_N,
        preprocessing.channel_mean_C,
        preprocessing.channel_std_C,
        preprocessing.sfreq,
    )
