"""constrae: sparse, constrained autoencoders as fast feature extractors for brain signals.

The names below are imported on first use: serving a trained model on the NumPy path
(``constrae.inference.FeatureExtractor``, ``constrae stream``) never imports torch.
"""

import importlib
from importlib.metadata import version as _version

__version__ = _version("constrae")

_WHERE = {
    "Autoencoder": "constrae.core.model",
    "AutoencoderOutput": "constrae.core.model",
    "Constraint": "constrae.constraints",
    "constraints": "constrae.constraints",
    "build": "constrae.core.build",
    "DataConfig": "constrae.core.config",
    "ModelConfig": "constrae.core.config",
    "RunConfig": "constrae.core.config",
    "TrainConfig": "constrae.core.config",
    "load_config": "constrae.core.config",
    "SparseAutoencoder": "constrae.core.estimator",
    "Trainer": "constrae.core.trainer",
    "load_model": "constrae.io.checkpoint",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'constrae' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
