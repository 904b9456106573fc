"""The torch backend: the model's own inference path, on NumPy arrays."""

import numpy as np
import torch

from constrae.core.model import Autoencoder, InferenceEncoder
from constrae.inference.encoder import Encoder


class TorchEncoder(Encoder):
    """Codes by ``InferenceEncoder`` (the module exported to ONNX); runs every model."""

    backend = "torch"

    def __init__(self, model: Autoencoder) -> None:
        self.module = InferenceEncoder(model).eval()
        self.n_features, self.hidden_size = model.input_size, model.config.hidden_size
        self.outputs_bits = model.activation.outputs_bits

    @torch.no_grad()
    def encode(self, x_BN: np.ndarray) -> np.ndarray:
        return self.module(torch.from_numpy(np.ascontiguousarray(x_BN, dtype=np.float32))).numpy()
