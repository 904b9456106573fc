"""A new user's calibration on a pretrained run: their alignment, fitted on all their windows
without labels, and a linear decoder fitted on their first labelled trials. The result is a
run folder like any other (``config.json``, ``model.safetensors``, ``preprocessing.json``) with
the decoder beside it (``decoder.json``, ``decoder.safetensors``) and ``calibration.json``.

Shapes: ``n`` trials, ``h`` codes.
"""

import dataclasses
import json
import shutil
from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.data import EEGConfig, read_recording
from constrae.data.trials import Trials, trials_of
from constrae.errors import CheckpointError, DataError
from constrae.inference.extractor import FeatureExtractor
from constrae.io import checkpoint, run_folder
from constrae.io.atomic import atomic_write_text, new_folder
from constrae.population.pooling import aligned_preprocessing
from constrae.stream.decoder import LinearDecoder

CALIBRATION_FILE = "calibration.json"


class Calibration(NamedTuple):
    out: Path
    classes: list[str]
    trials_per_class: dict[str, int]
    """Calibration trials used per class (the first ones in time order)."""
    training_accuracy: float
    """The decoder's accuracy on its own calibration trials (no held-out trial is left to test)."""


def run_channels(run_dir: Path) -> tuple[EEGConfig, list[str]]:
    """The run's EEG settings and the channels its model reads, from its preprocessing or, for a
    population run, its first person's alignment."""
    population = run_folder.load_population(run_dir)
    if population is not None:
        return population[0].config, population[0].channels
    preprocessing = run_folder.load_preprocessing(run_dir)
    if preprocessing is None:
        raise CheckpointError(f"{run_dir} was not trained on EEG recordings: there is no alignment to calibrate")
    return preprocessing.config, preprocessing.channels


def first_trials(trials: Trials, classes: list[str], per_class: int | None) -> np.ndarray:
    """Indices of the first ``per_class`` trials of each class in time order (all when None);
    DataError when a class has fewer."""
    chosen = []
    for label in classes:
        of_class = np.flatnonzero(trials.labels_N == label)
        if per_class is not None and len(of_class) < per_class:
            raise DataError(f"--trials-per-class {per_class}: the recordings hold {len(of_class)} trials of {label}")
        chosen.append(of_class if per_class is None else of_class[:per_class])
    return np.sort(np.concatenate(chosen))


def calibrate_user(
    run_dir: str | Path,
    paths: list[Path],
    classes: list[str],
    per_class: int | None,
    offset_seconds: float,
    out: str | Path,
    units: str | None = None,
) -> Calibration:
    """Calibrate ``run_dir``'s model to the person recorded in ``paths`` (in ``units`` when the
    files do not say); writes the new folder ``out`` whole or not at all."""
    run_dir, out = Path(run_dir), Path(out)
    if out.exists():
        raise CheckpointError(f"{out} already exists; calibration writes a new folder")
    if len(classes) != 2:
        raise DataError(f"--classes: a decoder of two classes, got {len(classes)} ({', '.join(classes)})")
    model, config = checkpoint.load_model(run_dir)
    eeg, channels = run_channels(run_dir)
    recordings = [read_recording(path, units=units) for path in paths]
    preprocessing = aligned_preprocessing(recordings, dataclasses.replace(eeg, channels=channels))
    extractor = FeatureExtractor.from_model(model, preprocessing)
    trials = trials_of(recordings, classes, offset_seconds, preprocessing.window)
    chosen_N = first_trials(trials, classes, per_class)
    features_NH = trials.gather(recordings, extractor.transform_recording)[chosen_N]
    labels_N = trials.labels_N[chosen_N]
    decoder = LinearDecoder.fit(features_NH, labels_N)
    accuracy = float(np.mean([decoder.decide(f) == label for f, label in zip(features_NH, labels_N)]))
    counts = {label: int(np.sum(labels_N == label)) for label in classes}
    record = {
        "run": str(run_dir),
        "recordings": [str(path) for path in paths],
        "classes": classes,
        "trials_per_class": counts,
        "offset_seconds": offset_seconds,
        "training_accuracy": accuracy,
    }
    with new_folder(out) as staging:
        # The model's own record (training curve, summary) travels with it; the trainer state does not.
        for record_file in (run_folder.METRICS_FILE, run_folder.SUMMARY_FILE):
            if (run_dir / record_file).is_file():
                shutil.copyfile(run_dir / record_file, staging / record_file)
        checkpoint.save_model(staging, config, model)
        run_folder.save_preprocessing(staging, preprocessing)
        decoder.save(staging, {"calibration": CALIBRATION_FILE})
        atomic_write_text(staging / CALIBRATION_FILE, json.dumps(record, indent=2))
    return Calibration(out, classes, counts, accuracy)
