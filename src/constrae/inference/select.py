"""The one function that chooses an inference backend for a trained model."""

import tempfile
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from constrae.core.model import Autoencoder
from constrae.errors import UnsupportedError
from constrae.inference.encoder import Encoder, StandardisingEncoder, input_channels, standardisation
from constrae.inference.int8 import quantize_int8
from constrae.inference.numpy_backend import Fold
from constrae.inference.numpy_from_torch import numpy_encoder
from constrae.inference.onnx_backend import OnnxEncoder, export_onnx
from constrae.inference.torch_backend import TorchEncoder

Backend = Literal["fastest", "torch", "numpy", "onnx", "int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)
"""fastest: numpy where it runs the model, else torch. onnx and int8 export the model
(int8: dynamically quantised) to a scratch folder and run it with ONNX Runtime."""


def make_encoder(
    model: Autoencoder,
    backend: Backend = "fastest",
    *,
    fold: Fold = "none",
    channel_mean: np.ndarray | None = None,
    channel_std: np.ndarray | None = None,
) -> Encoder:
    """The ``backend`` encoder of ``model``; with channel statistics it takes raw channel-major inputs.

    ``fold`` (numpy backend, spatiotemporal encoder): see ``constrae.inference.numpy_backend.FOLDS``.
    UnsupportedError names a backend that cannot run the model (``fastest`` never raises it)."""
    if backend not in BACKENDS:
        raise UnsupportedError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if backend in ("fastest", "numpy"):
        try:
            return numpy_encoder(model, fold=fold, channel_mean=channel_mean, channel_std=channel_std)
        except UnsupportedError:
            if backend == "numpy":
                raise
    inner = _unfolded_encoder(model, "torch" if backend == "fastest" else backend)
    if channel_mean is None and channel_std is None:
        return inner
    channels = input_channels(model, channel_mean, channel_std)
    return StandardisingEncoder(inner, *standardisation(model.input_size, channel_mean, channel_std, channels))


def _unfolded_encoder(model: Autoencoder, backend: str) -> Encoder:
    """A torch, onnx or int8 encoder of standardised inputs."""
    if backend == "torch":
        return TorchEncoder(model)
    # ONNX Runtime keeps the graph in memory once the session is built, so the files can go.
    with tempfile.TemporaryDirectory(prefix="constrae-encoder-") as scratch:
        path = export_onnx(model, Path(scratch) / "encoder.onnx")
        if backend == "int8":
            path = quantize_int8(path, Path(scratch) / "encoder.int8.onnx")
        return OnnxEncoder(path, backend=backend)
