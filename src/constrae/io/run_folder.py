"""The files of a run folder, and the ones that are read without torch: the stored preprocessing
(or each person's, for a population run), the metrics and the NumPy copy of the encoder.
``constrae.io.checkpoint`` reads and writes the model and trainer state; serving on the NumPy
path needs only this module."""

import hashlib
import json
import warnings
from pathlib import Path

from constrae.data import Preprocessing
from constrae.errors import CheckpointError, ConstraeError
from constrae.inference.numpy_backend import NumpyEncoder
from constrae.io.atomic import atomic_write_bytes, atomic_write_text, temp_files_of

CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
TRAINER_STATE_FILE = "trainer_state.safetensors"
METRICS_FILE = "metrics.jsonl"
PREPROCESSING_FILE = "preprocessing.json"
FINGERPRINT_FILE = "fingerprint.json"
SUMMARY_FILE = "summary.json"
POPULATION_FILE = "population.json"
NUMPY_ENCODER_FILE = "encoder.numpy.safetensors"
"""The encoder as the NumPy backend runs it, written with every model.safetensors it can run."""
RUN_FILES = (
    CONFIG_FILE,
    MODEL_FILE,
    TRAINER_STATE_FILE,
    METRICS_FILE,
    PREPROCESSING_FILE,
    FINGERPRINT_FILE,
    SUMMARY_FILE,
    POPULATION_FILE,
    NUMPY_ENCODER_FILE,
)
"""Every file a run folder may hold, besides its figures."""


class CheckpointWarning(UserWarning):
    """A run folder is readable but not whole."""


def run_files(run_dir: str | Path) -> tuple[Path, ...]:
    """The run folder's own files that exist (inputs no output may overwrite)."""
    return tuple(path for name in RUN_FILES if (path := Path(run_dir) / name).is_file())


def save_preprocessing(run_dir: Path, preprocessing: Preprocessing) -> None:
    atomic_write_text(Path(run_dir) / PREPROCESSING_FILE, json.dumps(preprocessing.to_mapping(), indent=2))


def save_population(run_dir: Path, subjects: list[list[str]], preprocessings: list[Preprocessing]) -> None:
    """Each person of a population run: their recordings and the alignment fitted on them."""
    people = [
        {"recordings": files, "preprocessing": preprocessing.to_mapping()}
        for files, preprocessing in zip(subjects, preprocessings, strict=True)
    ]
    atomic_write_text(Path(run_dir) / POPULATION_FILE, json.dumps({"subjects": people}, indent=2))


def load_population(run_dir: str | Path) -> list[Preprocessing] | None:
    """Each person's alignment in a population run; None for any other run."""
    path = Path(run_dir) / POPULATION_FILE
    if not path.is_file():
        return None
    try:
        people = json.loads(path.read_text())["subjects"]
        return [
            Preprocessing.from_mapping(person["preprocessing"], f"{path}: subject {index + 1}")
            for index, person in enumerate(people)
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: not a readable population record: {error!r}") from error
    except ConstraeError as error:
        raise CheckpointError(str(error)) from error


def load_preprocessing(run_dir: str | Path) -> Preprocessing | None:
    """The run's stored preprocessing, or None for a run on plain feature matrices. A population
    run has none of its own (each person has theirs): CheckpointError, pointing to calibrate."""
    path = Path(run_dir) / PREPROCESSING_FILE
    if not path.is_file():
        if (Path(run_dir) / POPULATION_FILE).is_file():
            raise CheckpointError(
                f"{run_dir} is a population run: each person's recordings go through their own alignment; "
                f"calibrate a user first (constrae calibrate {run_dir} RECORDINGS... --out DIR) and use DIR"
            )
        return None
    try:
        mapping = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path} is not valid JSON: {error}") from error
    try:
        return Preprocessing.from_mapping(mapping, str(path))
    except ConstraeError as error:
        raise CheckpointError(str(error)) from error


def remove_stale_temp_files(run_dir: Path) -> list[Path]:
    """Delete the temp files a killed writer of this run left behind (the real files are intact);
    no other file, whatever its name."""
    stale = [temp for name in RUN_FILES for temp in temp_files_of(run_dir / name)]
    for path in stale:
        path.unlink()
    return stale


def write_metrics(run_dir: Path, history: list[dict[str, float]]) -> None:
    atomic_write_text(run_dir / METRICS_FILE, "".join(json.dumps(record) + "\n" for record in history))


def read_metrics(run_dir: str | Path) -> list[dict[str, float]]:
    """One record per epoch. A last line cut short (the file was damaged) is left out with a
    warning; any other line that is not a record of numbers is a CheckpointError naming it."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: {METRICS_FILE} is missing")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"{path} is not UTF-8 text: {error}") from error
    lines = text.splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _metrics_record(line)
        if record is None and number == len(lines) and not text.endswith("\n"):
            warnings.warn(f"{path}: its last line is cut short; left out", CheckpointWarning, stacklevel=2)
            break
        if record is None:
            raise CheckpointError(f"{path}: line {number} is not a record of numbers: {line[:80]!r}")
        records.append(record)
    return records


def _metrics_record(line: str) -> dict[str, float] | None:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    numbers = isinstance(record, dict) and all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in record.values()
    )
    return record if numbers else None


def model_digest(model_bytes: bytes) -> str:
    return hashlib.sha256(model_bytes).hexdigest()


def save_numpy_encoder(run_dir: Path, encoder: NumpyEncoder | None, model_bytes: bytes) -> None:
    """Store ``encoder`` (of standardised inputs) as the NumPy copy of the model whose weights are
    ``model_bytes``; with None (a model the NumPy backend cannot run), remove any earlier copy."""
    path = Path(run_dir) / NUMPY_ENCODER_FILE
    if encoder is None:
        path.unlink(missing_ok=True)
        return
    atomic_write_bytes(path, encoder.to_bytes({"model_sha256": model_digest(model_bytes)}))


def load_numpy_encoder(run_dir: str | Path) -> NumpyEncoder | None:
    """The run's NumPy encoder (of standardised inputs), read without torch; None when the run has
    none or when its model.safetensors is not the one it was copied from (a warning says so)."""
    path, model_path = Path(run_dir) / NUMPY_ENCODER_FILE, Path(run_dir) / MODEL_FILE
    if not path.is_file() or not model_path.is_file():
        return None
    encoder, metadata = NumpyEncoder.from_bytes(path.read_bytes(), str(path))
    if metadata.get("model_sha256") != model_digest(model_path.read_bytes()):
        warnings.warn(
            f"{path} was not copied from this {MODEL_FILE}; the model is loaded through torch instead",
            CheckpointWarning,
            stacklevel=2,
        )
        return None
    return encoder
