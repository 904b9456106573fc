"""A run is a folder: config.json, model.safetensors, trainer_state.safetensors,
metrics.jsonl. Every file is written atomically; loading never unpickles."""

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save

from constrae.config import RunConfig
from constrae.constraints import build_constraints
from constrae.data import Preprocessing
from constrae.errors import CheckpointError, ConfigError, ConstraeError
from constrae.fileio import atomic_write_bytes, atomic_write_text
from constrae.model import Autoencoder
from constrae.objective import Objective
from constrae.statefile import dump_state, load_state, read_safetensors

CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
TRAINER_STATE_FILE = "trainer_state.safetensors"
METRICS_FILE = "metrics.jsonl"
PREPROCESSING_FILE = "preprocessing.json"
MODEL_FORMAT = "constrae-model/1"
TRAINER_STATE_FORMAT = "constrae-trainer-state/1"


def build(config: RunConfig) -> tuple[Autoencoder, Objective]:
    """Model and objective for ``config``, initialised from ``config.train.seed``
    without touching torch's global random state.

    Constraints attach here, before any weights are loaded, because they may add
    gates, buffers or parametrizations that the stored state refers to."""
    with torch.random.fork_rng():
        torch.manual_seed(config.train.seed)
        model = Autoencoder(config.model)
        constraints = build_constraints(config.constraints)
        for constraint in constraints:
            constraint.attach(model)
    return model, Objective(config.loss, constraints)


def save_model(run_dir: Path, config: RunConfig, model: Autoencoder) -> None:
    atomic_write_text(run_dir / CONFIG_FILE, json.dumps(config.to_mapping(), indent=2))
    atomic_write_bytes(run_dir / MODEL_FILE, save(model.state_dict(), metadata={"format": MODEL_FORMAT}))


def load_config_json(run_dir: Path) -> RunConfig:
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir} is not a run folder: {CONFIG_FILE} is missing")
    try:
        return RunConfig.from_mapping(json.loads(path.read_text()), where=str(path))
    except (json.JSONDecodeError, ConfigError) as error:
        raise CheckpointError(f"{path} is not a valid run config: {error}") from error


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


def load_preprocessing(run_dir: str | Path) -> Preprocessing | None:
    """The run's stored preprocessing, or None for a run on plain feature matrices."""
    path = Path(run_dir) / PREPROCESSING_FILE
    if not path.is_file():
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
    """Delete temp files a killed writer left behind (the real files are intact)."""
    stale = sorted(run_dir.glob(".*.tmp"))
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
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: {METRICS_FILE} is missing")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
