"""A trained stack is a folder: config.json (the stack, classes, input size) and
model.safetensors (every layer and the softmax). Written atomically, loaded
without unpickling by rebuilding the network from the config."""

import json
from pathlib import Path

import numpy as np
from safetensors.torch import save

from constrae.errors import CheckpointError, ConfigError
from constrae.io.atomic import atomic_write_bytes, atomic_write_text
from constrae.io.checkpoint import load_state_dict
from constrae.io.run_folder import CONFIG_FILE, MODEL_FILE
from constrae.io.statefile import read_safetensors
from constrae.stacked.config import StackConfig
from constrae.stacked.network import StackedNetwork, build_network

STACK_FORMAT = "constrae-stack/1"


def save_stack(
    folder: str | Path, config: StackConfig, network: StackedNetwork, classes: np.ndarray, n_features: int
) -> Path:
    """Write the stack into ``folder``; the weights first, so config.json marks a whole stack."""
    folder = Path(folder)
    tensors = {name: tensor.contiguous() for name, tensor in network.state_dict().items()}
    atomic_write_bytes(folder / MODEL_FILE, save(tensors, metadata={"format": STACK_FORMAT}))
    description = {
        "format": STACK_FORMAT,
        "n_features": n_features,
        "classes": np.asarray(classes).tolist(),
        "stack": config.to_mapping(),
    }
    atomic_write_text(folder / CONFIG_FILE, json.dumps(description, indent=2))
    return folder


def load_stack(folder: str | Path) -> tuple[StackConfig, StackedNetwork, np.ndarray, int]:
    """(config, network in eval mode, classes, n_features) of a saved stack."""
    folder = Path(folder)
    config_path, model_path = folder / CONFIG_FILE, folder / MODEL_FILE
    for path in (config_path, model_path):
        if not path.is_file():
            raise CheckpointError(f"{folder} is not a saved stack: {path.name} is missing")
    try:
        description = json.loads(config_path.read_text())
        if description.get("format") != STACK_FORMAT:
            raise CheckpointError(
                f"{config_path}: expected format {STACK_FORMAT!r}, found {description.get('format')!r}"
            )
        config = StackConfig.from_mapping(description["stack"], where=f"{config_path} stack")
        classes, n_features = np.asarray(description["classes"]), int(description["n_features"])
    except (json.JSONDecodeError, KeyError, TypeError, ConfigError) as error:
        raise CheckpointError(f"{config_path} is not a valid stack config: {error}") from error
    network = build_network(config, n_features, len(classes))
    tensors, _ = read_safetensors(model_path, model_path.read_bytes())
    load_state_dict(network, tensors, model_path)
    return config, network.eval(), classes, n_features
