"""Typed configuration of a stacked autoencoder classifier, loadable from YAML.

A stack is its layers (each a constrained autoencoder with its own training), the
softmax trained on the top codes, and the end-to-end fine-tuning; a CLI run adds
the labelled training and test data.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from constrae.core.config import ModelConfig, RunConfig, TrainConfig, read_yaml_mapping, relative_to_config
from constrae.io.mappings import from_dict, require, to_dict
from constrae.stacked.softmax import ClassifierTrainConfig


@dataclass
class LayerConfig:
    """One autoencoder of the stack, pre-trained on the codes of the layer below."""

    model: ModelConfig = field(default_factory=ModelConfig)
    """Its architecture; ``input_size`` is the size below it (the data's features or the
    previous layer's ``hidden_size``) and, when given, must equal it."""
    loss: Literal["mse", "cross_entropy"] = "mse"
    """Reconstruction loss of its pre-training."""
    constraints: list[dict] = field(default_factory=list)
    """Its own constraint specs, as in a single run."""
    train: TrainConfig = field(default_factory=TrainConfig)
    """Its pre-training."""

    def run_config(self, input_size: int) -> RunConfig:
        """The single-autoencoder run this layer's pre-training is."""
        return RunConfig(
            model=ModelConfig(**{**to_dict(self.model), "input_size": input_size}),
            loss=self.loss,
            constraints=self.constraints,
            train=self.train,
        )


@dataclass
class StackConfig:
    """Layers, softmax and fine-tuning: everything but the data."""

    layers: list[LayerConfig] = field(default_factory=lambda: [LayerConfig()])
    """Autoencoders from the input up; layer l + 1 trains on layer l's codes."""
    softmax: ClassifierTrainConfig = field(default_factory=ClassifierTrainConfig)
    """Training of the softmax on the frozen top codes (MATLAB trainSoftmaxLayer)."""
    finetune: ClassifierTrainConfig = field(default_factory=ClassifierTrainConfig)
    """End-to-end supervised training of encoders and softmax together (MATLAB train(deepnet))."""

    def __post_init__(self) -> None:
        require(len(self.layers) >= 1, "layers", "needs at least one layer")
        self.softmax.validate("softmax")
        self.finetune.validate("finetune")
        for index in range(1, len(self.layers)):
            below, model = self.layers[index - 1].model, self.layers[index].model
            require(
                model.input_size in (None, below.hidden_size),
                f"layers[{index}].model.input_size",
                f"{model.input_size} does not chain with layers[{index - 1}].model.hidden_size = {below.hidden_size}",
            )

    def check_input_size(self, n_features: int) -> None:
        """ConfigError unless the first layer accepts ``n_features`` inputs."""
        first = self.layers[0].model.input_size
        require(
            first in (None, n_features),
            "layers[0].model.input_size",
            f"{first} does not chain with the data's {n_features} features",
        )

    def input_sizes(self, n_features: int) -> list[int]:
        """Inputs of each layer: the data's features, then each hidden size below."""
        self.check_input_size(n_features)
        return [n_features] + [layer.model.hidden_size for layer in self.layers[:-1]]

    @classmethod
    def from_mapping(cls, mapping: Any, where: str = "config"):
        return from_dict(cls, mapping, where)

    def to_mapping(self) -> dict[str, Any]:
        return to_dict(self)


@dataclass
class LabelledDataConfig:
    """Labelled samples: generated shapes, or images and labels read from files."""

    source: Literal["shapes", "mnist", "npy"] = "shapes"
    """shapes: the bundled generator; mnist: IDX images and labels; npy: two .npy arrays."""
    path: str | None = None
    """Images file (mnist, npy); relative paths are relative to the config file."""
    labels_path: str | None = None
    """Labels file (mnist, npy), one label per image."""
    n_samples: int = 1000
    """How many shapes to generate."""
    seed: int = 0
    """Seed of the shapes generator."""
    rows: list[int] | None = None
    """[start, stop): the rows kept after reading, e.g. a fixed train/test split of one file."""

    def __post_init__(self) -> None:
        for key in ("path", "labels_path"):
            require(
                self.source == "shapes" or getattr(self, key) is not None,
                f"data.{key}",
                f"is required when source is {self.source!r}",
            )
        require(self.n_samples >= 1, "data.n_samples", f"must be >= 1, got {self.n_samples}")
        require(
            self.rows is None or (len(self.rows) == 2 and 0 <= self.rows[0] < self.rows[1]),
            "data.rows",
            f"must be [start, stop) with 0 <= start < stop, got {self.rows}",
        )


@dataclass
class StackRunConfig(StackConfig):
    """A CLI run: the stack, the data it trains on and the data it is tested on."""

    data: LabelledDataConfig = field(default_factory=LabelledDataConfig)
    """Training samples and labels."""
    test: LabelledDataConfig | None = None
    """Held-out samples and labels for the accuracy table; none skips testing."""

    def stack(self) -> StackConfig:
        return StackConfig(layers=self.layers, softmax=self.softmax, finetune=self.finetune)


def load_stack_config(path: str | Path) -> StackRunConfig:
    """Read a StackRunConfig from YAML; relative data paths resolve against its folder."""
    path = Path(path)
    config = StackRunConfig.from_mapping(read_yaml_mapping(path), where=str(path))
    for data in (config.data, config.test):
        for key in ("path", "labels_path"):
            if data is not None and getattr(data, key) is not None:
                setattr(data, key, relative_to_config(path, getattr(data, key)))
    return config
