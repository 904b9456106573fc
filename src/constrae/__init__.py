"""constrae: sparse, constrained autoencoders as fast feature extractors for brain signals."""

from importlib.metadata import version as _version

from constrae.constraints import Constraint, constraints
from constrae.core.build import build
from constrae.core.config import DataConfig, ModelConfig, RunConfig, TrainConfig, load_config
from constrae.core.estimator import SparseAutoencoder
from constrae.core.model import Autoencoder, AutoencoderOutput
from constrae.core.trainer import Trainer
from constrae.discrete import binary as _binary_activation  # noqa: F401  (registers the "binary" activation)
from constrae.io.checkpoint import load_model

__version__ = _version("constrae")

__all__ = [
    "Autoencoder",
    "AutoencoderOutput",
    "Constraint",
    "DataConfig",
    "ModelConfig",
    "RunConfig",
    "SparseAutoencoder",
    "TrainConfig",
    "Trainer",
    "build",
    "constraints",
    "load_config",
    "load_model",
]
