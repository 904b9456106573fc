"""The dense encoder: one affine map, and its dense (optionally tied) decoder."""

import torch
from torch import nn
from torch.nn import functional as F

from constrae.core.encoders.base import CodeDecoder, CodeEncoder, encoders


class DenseDecoder(CodeDecoder, nn.Linear):
    """x_hat = W_d z + b_d, W_d of shape (n, h): column i is unit i's atom."""

    def __init__(self, hidden_size: int, output_size: int) -> None:
        nn.Linear.__init__(self, hidden_size, output_size)

    def weight_matrices(self):
        return [self.weight]

    def dictionary(self):
        return self, "weight", 0


class TiedDecoder(CodeDecoder):
    """x_hat = W_e^T z + b_d, sharing the encoder's weight (not stored twice)."""

    def __init__(self, encoder: "DenseEncoder") -> None:
        super().__init__()
        # A plain list keeps the encoder out of this module's children and state dict.
        self._tied_to = [encoder]
        self.bias = nn.Parameter(torch.zeros(encoder.in_features))

    def forward(self, codes_BH: torch.Tensor) -> torch.Tensor:
        return F.linear(codes_BH, self._tied_to[0].weight.T, self.bias)

    def dictionary(self):
        return self._tied_to[0], "weight", 1


@encoders.register("dense")
class DenseEncoder(CodeEncoder, nn.Linear):
    """a = W_e x + b_e, W_e of shape (h, n): row i is unit i's input weights."""

    supports_tied = True

    def __init__(self, input_size: int, hidden_size: int) -> None:
        nn.Linear.__init__(self, input_size, hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size

    def affine_weight_HN(self):
        return self.weight

    def weight_matrices(self):
        return [self.weight]

    def mirror(self, tied: bool) -> CodeDecoder:
        return TiedDecoder(self) if tied else DenseDecoder(self.out_features, self.in_features)
