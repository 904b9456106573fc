import dataclasses

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.core.model import CodeGate
from constrae.errors import ConfigError
from constrae.io.mappings import require


class LocalityGate(CodeGate):
    """g(z_i; W, x) = z_i if w_i is among the k nearest encoder weight vectors
    to x (Euclidean), else 0. Ranks by 2 x.w_i - ||w_i||^2, which orders the
    distances ||x - w_i||^2 without forming them."""

    needs_encoder_weight = True

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    def forward(self, codes_BH, x_BN, W_enc_HN):
        closeness_BH = 2 * x_BN @ W_enc_HN.T - W_enc_HN.pow(2).sum(dim=1)
        nearest_BK = torch.topk(closeness_BH, self.k, dim=-1).indices
        keep_BH = torch.zeros_like(codes_BH).scatter(-1, nearest_BK, 1.0)
        return codes_BH * keep_BH


@constraints.register("locality")
@dataclasses.dataclass(eq=False, repr=False)
class Locality(Constraint):
    """Locality constraint of the seed talk (Rucci, "Locality Constraints"):
    x_hat = W g(z; W~, x) + b_d with g keeping z_i only when w_i is in N_k(x),
    the k encoder weight vectors nearest to x. Acts through the model's code
    gate, so it also applies at inference and in ONNX export."""

    has_penalty = False
    needs_affine_encoder = True

    k: int = 10

    def validate(self) -> None:
        require(self.k >= 1, "locality.k", f"must be >= 1, got {self.k}")

    def attach(self, model) -> None:
        if model.encoder.affine_weight_HN() is None:
            raise ConfigError(
                f"locality needs an affine encoder (its weight vectors w_i); encoder {model.config.encoder!r} is not"
            )
        if self.k > model.config.hidden_size:
            raise ConfigError(f"locality.k: k={self.k} must be <= model.hidden_size={model.config.hidden_size}")
        model.gate = LocalityGate(self.k)
