"""Reading training data named by a config, and checking any input matrix."""

from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from constrae.core.config import DataConfig
from constrae.data import Preprocessing, read_recording
from constrae.data.trials import eeg_labels
from constrae.errors import ConfigError, DataError
from constrae.population import pooled_inputs


def check_matrix(X, where: str, n_features: int | None = None) -> np.ndarray:
    """``X`` as a float32 (samples, features) array, or a DataError naming the problem."""
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        kind = "complex numbers" if X.dtype.kind == "c" else f"dtype {X.dtype}"
        raise DataError(f"{where}: expected real numbers, got {kind}")
    if X.ndim != 2:
        raise DataError(f"{where}: expected a 2-D (samples, features) array, got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{where}: empty data, shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise DataError(f"{where}: has {X.shape[1]} features, the model expects {n_features}")
    # Checked after the cast: a finite float64 beyond float32's range becomes inf there.
    with np.errstate(over="ignore"):
        X32 = X.astype(np.float32, copy=False)
    bad = ~np.isfinite(X32)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"{where}: {int(bad.sum())} NaN/inf values, the first at row {row}, column {col} ({X[row, col]}"
            + ("" if not np.isfinite(X[row, col]) else ", beyond float32's range")
            + ")"
        )
    return X32


def read_npy(path: str | Path) -> np.ndarray:
    """Load a .npy array without ever unpickling."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array of numbers: {error or 'the file is empty'}") from error


class TrainingData(NamedTuple):
    """What a run trains on."""

    X: np.ndarray
    """(samples, features) float32 model inputs."""
    preprocessing: Preprocessing | None
    """For eeg data: the fitted preprocessing that turns recordings into rows of X."""
    segment_starts: list[int] | None
    """For eeg data: the first row of each recording's windows (rows are in time order
    within a recording; constraints over the sequence must not link across them)."""
    labels: np.ndarray | None = None
    """For eeg data with ``data.eeg.classes``: each row's class, or -1 (unlabelled)."""
    population: list[Preprocessing] | None = None
    """For ``data.subjects``: each person's alignment, in their order (``preprocessing`` is then None:
    a new user brings their own, ``constrae calibrate``)."""


def load_training_data(config: DataConfig, preprocessing: Preprocessing | None = None) -> TrainingData:
    """The (samples, features) float32 matrix that ``config`` names.

    For eeg data the preprocessing is fitted on the recordings, unless a stored
    ``preprocessing`` is given (a resumed run uses its own)."""
    if config.source == "eeg" and config.subjects:
        return load_population(config)
    if config.source == "eeg":
        recordings = [read_recording(path) for path in config.paths or []]
        preprocessing = preprocessing or Preprocessing.fit(recordings, config.eeg)
        parts = [preprocessing.model_inputs(recording) for recording in recordings]
        X = check_matrix(np.concatenate(parts), f"windows of {len(recordings)} recording(s)")
        X = X[: config.n_samples] if config.n_samples else X
        starts = np.cumsum([0] + [len(part) for part in parts[:-1]])
        labels = eeg_labels(recordings, preprocessing, config.eeg.classes)
        labels = labels[: len(X)] if labels is not None else None
        return TrainingData(X, preprocessing, [int(s) for s in starts if s < len(X)], labels)
    return TrainingData(load_matrix(config), None, None)


def load_population(config: DataConfig) -> TrainingData:
    """Every person's windows, each through the alignment fitted on their own (one person's
    recordings in memory at a time)."""
    pooled = pooled_inputs(([read_recording(path) for path in files] for files in config.subjects or []), config.eeg)
    X = check_matrix(pooled.X, f"windows of {len(pooled.preprocessings)} subjects")
    if config.n_samples:
        X = X[: config.n_samples]
    starts = [start for start in pooled.segment_starts if start < len(X)]
    labels = pooled.labels[: len(X)] if pooled.labels is not None else None
    return TrainingData(X, None, starts, labels, pooled.preprocessings)


def load_matrix(config: DataConfig) -> np.ndarray:
    """The (samples, features) matrix of a shapes, mnist or npy data source."""
    if config.source == "shapes":
        from constrae.data.datasets.shapes import make_shapes

        X, _ = make_shapes(config.n_samples or 1000, seed=config.seed)
        where = f"shapes(n_samples={config.n_samples}, seed={config.seed})"
    elif config.source == "mnist":
        from constrae.data.datasets.mnist import load_mnist

        where = data_path(config)
        X, _ = load_mnist(where)
    else:
        where = data_path(config)
        X = read_npy(where)
    X = check_matrix(X, where)
    return X[: config.n_samples] if config.n_samples else X


class LabelledDataSource(Protocol):
    """A data section with a file (the stack's labelled data)."""

    @property
    def path(self) -> str | None: ...
    @property
    def source(self) -> str: ...


def data_path(config: DataConfig | LabelledDataSource) -> str:
    """The file of an mnist or npy source (the configs require it for them)."""
    if config.path is None:
        raise ConfigError(f"data.path is required when data.source is {config.source!r}")
    return config.path
