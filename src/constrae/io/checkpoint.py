"""A run is a folder: config.json, model.safetensors, trainer_state.safetensors,
metrics.jsonl. Every file is written atomically; loading never unpickles."""

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save

from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.model import Autoencoder
from constrae.data import Preprocessing
from constrae.errors import CheckpointError, ConfigError, ConstraeError
from constrae.io.atomic import atomic_write_bytes, atomic_write_text, temp_files_of
from constrae.io.fingerprint import check_fingerprint, fingerprint
from constrae.io.statefile import dump_state, load_state, read_safetensors

CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
TRAINER_STATE_FILE = "trainer_state.safetensors"
METRICS_FILE = "metrics.jsonl"
PREPROCESSING_FILE = "preprocessing.json"
FINGERPRINT_FILE = "fingerprint.json"
SUMMARY_FILE = "summary.json"
POPULATION_FILE = "population.json"
RUN_FILES = (
    CONFIG_FILE,
    MODEL_FILE,
    TRAINER_STATE_FILE,
    METRICS_FILE,
    PREPROCESSING_FILE,
    FINGERPRINT_FILE,
    SUMMARY_FILE,
    POPULATION_FILE,
)
"""Every file a run folder may hold, besides its figures."""
MODEL_FORMAT = "constrae-model/1"
TRAINER_STATE_FORMAT = "constrae-trainer-state/1"


class CheckpointWarning(UserWarning):
    """A run folder is readable but not whole."""


def run_files(run_dir: str | Path) -> tuple[Path, ...]:
    """The run folder's own files that exist (inputs no output may overwrite)."""
    return tuple(path for name in RUN_FILES if (path := Path(run_dir) / name).is_file())


def save_model(run_dir: Path, config: RunConfig, model: Autoencoder) -> None:
    atomic_write_text(run_dir / CONFIG_FILE, json.dumps(config.to_mapping(), indent=2))
    atomic_write_bytes(run_dir / MODEL_FILE, save(model.state_dict(), metadata={"format": MODEL_FORMAT}))


def load_config_json(run_dir: Path) -> RunConfig:
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir} is not a run folder: {CONFIG_FILE} is missing")
    try:
        config = RunConfig.from_mapping(json.loads(path.read_text()), where=str(path))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ConfigError) as error:
        raise CheckpointError(f"{path} is not a valid run config: {error}") from error
    if config.model.input_size is None:
        raise CheckpointError(f"{path}: model.input_size is missing; a trained run's config states it")
    return config


def load_model(run_dir: str | Path) -> tuple[Autoencoder, RunConfig]:
    """Rebuild the model from config.json and load model.safetensors into it."""
    run_dir = Path(run_dir)
    config = load_config_json(run_dir)
    model, _ = build(config)
    path = run_dir / MODEL_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: {MODEL_FILE} is missing")
    tensors, _ = read_safetensors(path, path.read_bytes())
    load_state_dict(model, tensors, path)
    model.eval()
    return model, config


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


def load_state_dict(module: torch.nn.Module, tensors: dict[str, torch.Tensor], path: Path) -> None:
    expected = module.state_dict()
    if set(tensors) != set(expected):
        missing = sorted(set(expected) - set(tensors))
        extra = sorted(set(tensors) - set(expected))
        raise CheckpointError(f"{path} does not match its config: missing {missing}, unexpected {extra}")
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{path}: {name} has shape {tuple(tensor.shape)}, config expects {tuple(expected[name].shape)}"
            )
        if tensor.is_floating_point() and not (finite := torch.isfinite(tensor)).all():
            raise CheckpointError(
                f"{path}: tensor {name!r} holds {int((~finite).sum())} NaN/inf values (a corrupt or diverged model)"
            )
    module.load_state_dict(tensors)


def save_trainer_state(run_dir: Path, trees: dict[str, Any]) -> None:
    atomic_write_bytes(run_dir / TRAINER_STATE_FILE, dump_state(trees, TRAINER_STATE_FORMAT))


def remove_stale_temp_files(run_dir: Path) -> list[Path]:
    """Delete the temp files a killed writer of this run left behind (the real files are intact);
    no other file, whatever its name."""
    stale = [temp for name in RUN_FILES for temp in temp_files_of(run_dir / name)]
    for path in stale:
        path.unlink()
    return stale


def load_trainer_state(run_dir: Path) -> dict[str, Any]:
    path = run_dir / TRAINER_STATE_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: {TRAINER_STATE_FILE} is missing, there is nothing to resume")
    return load_state(path, path.read_bytes(), TRAINER_STATE_FORMAT)


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


def save_fingerprint(run_dir: Path, config: RunConfig) -> None:
    atomic_write_text(Path(run_dir) / FINGERPRINT_FILE, json.dumps(fingerprint(config), indent=2))


def check_run_inputs(run_dir: Path, config: RunConfig) -> None:
    """CheckpointError when the run's config or data changed since it started; a warning
    for a run folder written before fingerprints were kept."""
    path = Path(run_dir) / FINGERPRINT_FILE
    if not path.is_file():
        warnings.warn(
            f"{run_dir} has no {FINGERPRINT_FILE} (an older run): its data cannot be checked",
            CheckpointWarning,
            stacklevel=2,
        )
        return
    try:
        stored = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is not valid JSON: {error}") from error
    check_fingerprint(stored, config, str(path))
