"""Typed run configuration, loadable from YAML. Validation names the bad key."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from constrae.constraints import build_constraints
from constrae.core.activations import build_activation
from constrae.core.encoders import ENCODER_FIXED_ARGS, encoders
from constrae.core.registry import check_params
from constrae.data.preprocessing import EEGConfig
from constrae.discrete import binary as _binary  # noqa: F401  (registers the "binary" activation)
from constrae.errors import ConfigError
from constrae.io.mappings import from_dict, require, to_dict
from constrae.io.yaml_files import read_yaml_mapping

MAX_SEED = 2**32 - 1
"""Largest seed every generator the runs use accepts (NumPy's legacy seeding stops there)."""

"""Encoder constructor arguments taken from the model config, not from encoder_params."""


@dataclass
class ModelConfig:
    input_size: int | None = None
    """Number of input features; taken from the data when omitted."""
    hidden_size: int = 100
    """Number of code units (under-complete when < input_size)."""
    encoder: str = "dense"
    """Registered encoder architecture; its decoder mirrors it."""
    encoder_params: dict = field(default_factory=dict)
    """Keyword arguments of the encoder (none for dense)."""
    activation: str = "sigmoid"
    """Registered code activation: sigmoid, tanh, relu, topk, linear, binary, or your own."""
    activation_params: dict = field(default_factory=dict)
    """Keyword arguments of the activation, e.g. {k: 25} for topk."""
    tied: bool = False
    """Decoder weight = encoder weight transposed."""
    decoder_output: Literal["linear", "sigmoid"] = "linear"
    """Non-linearity on the reconstruction."""

    def __post_init__(self) -> None:
        require(self.hidden_size >= 1, "model.hidden_size", f"must be >= 1, got {self.hidden_size}")
        require(
            self.input_size is None or self.input_size >= 1,
            "model.input_size",
            f"must be >= 1, got {self.input_size}",
        )
        build_activation(self.activation, self.hidden_size, self.activation_params)
        encoder = check_params(encoders, self.encoder, "model.encoder_params", ENCODER_FIXED_ARGS, self.encoder_params)
        require(
            not self.tied or encoder.supports_tied,
            "model.tied",
            f"encoder {self.encoder!r} cannot tie its decoder; allowed with: "
            + ", ".join(n for n in encoders.names() if encoders.get(n).supports_tied),
        )


@dataclass
class TrainConfig:
    optimizer: Literal["adam", "sgd", "lbfgs"] = "adam"
    """Adam or SGD on mini-batches, or full-batch L-BFGS."""
    lr: float = 1e-3
    """Learning rate (L-BFGS: step length, 1.0 is usual)."""
    momentum: float = 0.0
    """SGD momentum."""
    batch_size: int = 128
    """Mini-batch size (ignored by L-BFGS, which uses the full training set)."""
    epochs: int = 50
    """Passes over the training set; for L-BFGS, outer steps of lbfgs_iterations each."""
    lbfgs_iterations: int = 20
    """L-BFGS iterations per epoch."""
    val_fraction: float = 0.1
    """Fraction of samples held out for validation (0 disables it)."""
    patience: int | None = None
    """Stop when validation loss has not improved for this many epochs."""
    seed: int = 0
    """Seeds initialisation, the split, shuffling and corruption noise."""

    def __post_init__(self) -> None:
        require(self.lr > 0, "train.lr", f"must be > 0, got {self.lr}")
        require(self.batch_size >= 1, "train.batch_size", f"must be >= 1, got {self.batch_size}")
        require(self.epochs >= 1, "train.epochs", f"must be >= 1, got {self.epochs}")
        require(self.lbfgs_iterations >= 1, "train.lbfgs_iterations", "must be >= 1")
        require(
            0.0 <= self.val_fraction < 1.0,
            "train.val_fraction",
            f"must be in [0, 1), got {self.val_fraction}",
        )
        require(
            self.patience is None or self.patience >= 1,
            "train.patience",
            f"must be >= 1, got {self.patience}",
        )
        require(0.0 <= self.momentum < 1.0, "train.momentum", f"must be in [0, 1), got {self.momentum}")
        require(0 <= self.seed <= MAX_SEED, "train.seed", f"must be in [0, {MAX_SEED}], got {self.seed}")


@dataclass
class DataConfig:
    source: Literal["shapes", "mnist", "npy", "eeg"] = "shapes"
    """shapes: the bundled generator; mnist: an IDX images file; npy: a (samples, features)
    array; eeg: windows of continuous recordings (EDF or anything MNE reads, .npz)."""
    path: str | None = None
    """File to read for mnist and npy (relative paths are relative to the config file)."""
    paths: list[str] | None = None
    """Recordings for eeg (relative paths are relative to the config file)."""
    subjects: list[list[str]] | None = None
    """Instead of ``paths``, a population for eeg: one list of recordings per person. Each person is
    aligned on their own windows (``constrae.population``); a new user is then ``constrae calibrate``d."""
    eeg: EEGConfig = field(default_factory=EEGConfig)
    """Filtering, windowing and channels for eeg; the fitted result is stored with the model."""
    n_samples: int | None = None
    """How many samples to generate (shapes; null means 1000) or to keep (the first n; null keeps all)."""
    seed: int = 0
    """Seed of the shapes generator."""

    def __post_init__(self) -> None:
        require(0 <= self.seed <= MAX_SEED, "data.seed", f"must be in [0, {MAX_SEED}], got {self.seed}")
        require(
            self.source not in ("mnist", "npy") or self.path is not None,
            "data.path",
            f"is required when data.source is {self.source!r}",
        )
        require(
            self.source != "eeg" or bool(self.paths) != bool(self.subjects),
            "data.paths",
            "data.source 'eeg' takes either data.paths (a list of recordings) or data.subjects (a list per person)",
        )
        for index, recordings in enumerate(self.subjects or []):
            require(bool(recordings), f"data.subjects[{index}]", "lists no recording")
        require(
            self.n_samples is None or self.n_samples >= 1,
            "data.n_samples",
            f"must be >= 1, got {self.n_samples}",
        )


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: Literal["mse", "cross_entropy"] = "mse"
    """Reconstruction loss; cross_entropy needs data in [0, 1] and a sigmoid decoder output."""
    constraints: list[dict] = field(default_factory=list)
    """Constraint specs, each {name: <registered name>, <its parameters>}."""
    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def __post_init__(self) -> None:
        require(
            self.loss != "cross_entropy" or self.model.decoder_output == "sigmoid",
            "loss",
            "cross_entropy needs model.decoder_output: sigmoid",
        )
        require(
            self.loss != "cross_entropy" or encoders.get(self.model.encoder).reconstructs_input,
            "loss",
            f"cross_entropy needs an encoder that reconstructs its input; {self.model.encoder!r} reconstructs "
            "statistics of it (use mse)",
        )
        # Stored in canonical form: typed values, every default written out.
        self.constraints = [c.to_config() for c in build_constraints(self.constraints)]

    @classmethod
    def from_mapping(cls, mapping: Any, where: str = "config") -> "RunConfig":
        return from_dict(cls, mapping, where)

    def to_mapping(self) -> dict[str, Any]:
        return to_dict(self)


ENVIRONMENT_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
"""``${NAME}`` or ``${NAME:-default}`` in a data path."""


def expand_environment(data_path: str, where: str) -> str:
    """``${NAME}`` replaced by the environment variable NAME, ``${NAME:-default}`` by it or else
    ``default``; ConfigError names a variable that is unset and has no default."""

    def value(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ConfigError(f"{where}: environment variable {name} is not set (or give ${{{name}:-default}})")
        return default

    return ENVIRONMENT_REFERENCE.sub(value, data_path)


def relative_to_config(config_path: Path, data_path: str) -> str:
    """``data_path`` with ``${NAME:-default}`` expanded, resolved against the config file's
    folder unless it is absolute."""
    data_path = expand_environment(data_path, str(config_path))
    return data_path if Path(data_path).is_absolute() else str((config_path.parent / data_path).resolve())


def load_config(path: str | Path) -> RunConfig:
    """Read a RunConfig from YAML; relative data paths resolve against its folder."""
    path = Path(path)
    config = RunConfig.from_mapping(read_yaml_mapping(path), where=str(path))
    if config.data.path is not None:
        config.data.path = relative_to_config(path, config.data.path)
    if config.data.paths is not None:
        config.data.paths = [relative_to_config(path, name) for name in config.data.paths]
    if config.data.subjects is not None:
        config.data.subjects = [[relative_to_config(path, name) for name in files] for files in config.data.subjects]
    return config
