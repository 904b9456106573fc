"""The model and trainer state of a run folder (``constrae.io.run_folder`` names its files).
Every file is written atomically; loading never unpickles."""

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save

from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.model import Autoencoder
from constrae.errors import CheckpointError, ConfigError, UnsupportedError
from constrae.inference.numpy_from_torch import numpy_encoder, serving_fold
from constrae.io.atomic import atomic_write_bytes, atomic_write_text
from constrae.io.fingerprint import check_fingerprint, fingerprint
from constrae.io.run_folder import (
    CONFIG_FILE,
    FINGERPRINT_FILE,
    MODEL_FILE,
    TRAINER_STATE_FILE,
    CheckpointWarning,
    save_numpy_encoder,
)
from constrae.io.statefile import dump_state, load_state, read_safetensors

MODEL_FORMAT = "constrae-model/1"
TRAINER_STATE_FORMAT = "constrae-trainer-state/1"


def save_model(run_dir: Path, config: RunConfig, model: Autoencoder) -> None:
    """config.json and model.safetensors, and the NumPy copy of the encoder where the NumPy backend runs it."""
    atomic_write_text(run_dir / CONFIG_FILE, json.dumps(config.to_mapping(), indent=2))
    model_bytes = save(model.state_dict(), metadata={"format": MODEL_FORMAT})
    atomic_write_bytes(run_dir / MODEL_FILE, model_bytes)
    try:
        encoder = numpy_encoder(model, serving_fold(model))
    except UnsupportedError:
        encoder = None
    save_numpy_encoder(run_dir, encoder, model_bytes)


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


def load_trainer_state(run_dir: Path) -> dict[str, Any]:
    path = run_dir / TRAINER_STATE_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: {TRAINER_STATE_FILE} is missing, there is nothing to resume")
    return load_state(path, path.read_bytes(), TRAINER_STATE_FORMAT)


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
