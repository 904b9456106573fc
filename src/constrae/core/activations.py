"""Code activations: the non-linearity between encoder and codes.

Shapes: ``b`` batch, ``h`` hidden units. Every activation maps pre-activations
``(b, h)`` to codes ``(b, h)``. Register a new one with ``@activations.register``.
"""

from typing import ClassVar

import torch
from torch import nn

from constrae.core.registry import Registry, build_registered
from constrae.io.mappings import require

activations: Registry["CodeActivation"] = Registry("activation")


class CodeActivation(nn.Module):
    """Interface of a code activation.

    ``output_range`` is the closed interval codes lie in; constraints such as KL
    sparsity check it. ``derivative`` returns ds/da elementwise, or ``None`` when
    the activation is not elementwise (then Jacobians go through autograd).
    A unit counts as active (for L0 and dead units) when |z| > ``active_threshold``:
    0 for activations with exact zeros, 0.5 for saturating ones, whose "firing"
    neurons sit near 1 (seed 001).
    """

    registered_name: ClassVar[str]
    output_range: tuple[float, float] = (-float("inf"), float("inf"))
    active_threshold: ClassVar[float] = 0.0
    outputs_bits: ClassVar[bool] = False
    """True for binary units: inference paths (ONNX, NumPy, FeatureExtractor) give uint8 bits."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size

    def derivative(self, pre_BH: torch.Tensor, codes_BH: torch.Tensor) -> torch.Tensor | None:
        return None

    def unit_probabilities(self, pre_BH: torch.Tensor) -> torch.Tensor | None:
        """P(unit on) per code for units read as binary (sigmoid, binary), else None."""
        return None

    def on_epoch_start(self, epoch: int) -> None:
        """Runs before every training epoch (0-based); schedules set their state here."""


@activations.register("sigmoid")
class Sigmoid(CodeActivation):
    """s(a) = 1 / (1 + exp(-a)); s'(a) = s(a) (1 - s(a))."""

    output_range = (0.0, 1.0)
    active_threshold = 0.5

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(pre_BH)

    def derivative(self, pre_BH, codes_BH):
        return codes_BH * (1 - codes_BH)

    def unit_probabilities(self, pre_BH):
        return torch.sigmoid(pre_BH)


@activations.register("tanh")
class Tanh(CodeActivation):
    """s(a) = tanh(a); s'(a) = 1 - s(a)^2."""

    output_range = (-1.0, 1.0)
    active_threshold = 0.5

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return torch.tanh(pre_BH)

    def derivative(self, pre_BH, codes_BH):
        return 1 - codes_BH**2


@activations.register("relu")
class ReLU(CodeActivation):
    """s(a) = max(a, 0); s'(a) = 1[a > 0]."""

    output_range = (0.0, float("inf"))

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return torch.relu(pre_BH)

    def derivative(self, pre_BH, codes_BH):
        return (pre_BH > 0).to(pre_BH.dtype)


@activations.register("linear")
class Linear(CodeActivation):
    """s(a) = a; s'(a) = 1. The codes of a VAE are its gaussian samples, unsquashed."""

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return pre_BH

    def derivative(self, pre_BH, codes_BH):
        return torch.ones_like(pre_BH)


@activations.register("topk")
class TopK(CodeActivation):
    """k-sparse codes (Makhzani & Frey, 2013): z_i = a_i if a_i is among the k
    largest pre-activations of its row, else 0. Linear on the kept support."""

    def __init__(self, hidden_size: int, k: int) -> None:
        super().__init__(hidden_size)
        require(
            isinstance(k, int) and 1 <= k <= hidden_size,
            "model.activation_params.k",
            f"k={k!r} must be an integer in [1, hidden_size={hidden_size}]",
        )
        self.k = k

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        kept = torch.topk(pre_BH, self.k, dim=-1)
        return torch.zeros_like(pre_BH).scatter(-1, kept.indices, kept.values)


def build_activation(name: str, hidden_size: int, params: dict) -> CodeActivation:
    """Instantiate activation ``name``; unknown or missing params raise ConfigError."""
    return build_registered(activations, name, "model.activation_params", ("hidden_size",), hidden_size, **params)
