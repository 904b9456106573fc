"""Real EEG windows for the benchmarks: PhysioNet EEG Motor Movement/Imagery, subject S001.

Shapes: ``b`` windows or epochs, ``c`` channels (64), ``t`` samples (160, 1 s at 160 Hz).
Runs 6, 10, 14 (imagined fists vs feet) band-passed 7-30 Hz, as in MNE's CSP example;
every window is standardised per channel with statistics of the whole filtered
recording (a benchmark of speed, not of generalisation: no fold is held out).
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.bench._imports import require
from constrae.errors import DataError

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "eegmmidb" / "S001"
IMAGERY_RUNS = (6, 10, 14)
BAND_HZ = (7.0, 30.0)
EPOCH_S = (1.0, 2.0)
"""Epochs are cropped to 1-2 s after the cue (T1 fists, T2 feet)."""
WINDOW_SAMPLES = 160


class EegWindows(NamedTuple):
    """Standardised windows of S001 and the labelled epochs a CSP pipeline is fitted on."""

    windows_BCT: np.ndarray
    """Sliding 1 s windows (hop 0.5 s) over the filtered recording, float32."""
    epochs_BCT: np.ndarray
    """Epochs 1-2 s after each T1/T2 cue (first 160 samples), float32."""
    labels_B: np.ndarray
    """Epoch labels: 2 (T1, fists) or 3 (T2, feet)."""
    channel_mean_C: np.ndarray
    """Per-channel mean of the filtered recording (volts)."""
    channel_std_C: np.ndarray
    """Per-channel standard deviation of the filtered recording (volts)."""
    sfreq: float
    """Sampling rate in Hz."""


def load_imagery_windows(data_dir: str | Path = DEFAULT_DATA_DIR, max_windows: int = 256) -> EegWindows:
    """S001's imagery runs as standardised windows and CSP epochs; DataError names a missing file."""
    mne = require("mne", "mne")
    paths = [Path(data_dir) / f"S001R{run:02d}.edf" for run in IMAGERY_RUNS]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise DataError(f"EEG recordings not found: {', '.join(missing)} (the S001 folder of eegmmidb)")
    raw = mne.io.concatenate_raws([mne.io.read_raw_edf(path, preload=True, verbose="ERROR") for path in paths])
    mne.datasets.eegbci.standardize(raw)
    raw.filter(*BAND_HZ, fir_design="firwin", skip_by_annotation="edge", verbose="ERROR")
    events, _ = mne.events_from_annotations(raw, event_id={"T1": 2, "T2": 3}, verbose="ERROR")
    epochs = mne.Epochs(raw, events, {"T1": 2, "T2": 3}, *EPOCH_S, proj=False, picks="eeg",
                        baseline=None, preload=True, verbose="ERROR")
    signal_CT = raw.get_data(picks="eeg")
    mean_C, std_C = signal_CT.mean(axis=1), signal_CT.std(axis=1)
    hop = WINDOW_SAMPLES // 2
    starts = range(0, signal_CT.shape[1] - WINDOW_SAMPLES + 1, hop)
    windows_BCT = np.stack([signal_CT[:, s : s + WINDOW_SAMPLES] for s in starts][:max_windows])
    epochs_BCT = epochs.get_data(copy=False)[:, :, :WINDOW_SAMPLES]

    def standardise(data_BCT):
        return ((data_BCT - mean_C[:, None]) / std_C[:, None]).astype(np.float32)

    return EegWindows(standardise(windows_BCT), standardise(epochs_BCT), epochs.events[:, -1],
                      mean_C.astype(np.float32), std_C.astype(np.float32), float(raw.info["sfreq"]))
