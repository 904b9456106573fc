"""Straight-through estimators for binary code units (seed 000, slides "STE").

The forward pass is the step b(x) = 1 if x >= 0 else 0, exactly; the chain rule
dL/dx = dL/db * db/dx then needs a stand-in for db/dx, which is 0 almost everywhere:

- ``identity``: db/dx := 1, so dL/dx = dL/db (the plain straight-through estimator);
- ``sigmoid``: db/dx := ds/dx with s(x) = sigmoid(x / T), i.e. s(x) (1 - s(x)) / T
  (the seed's boxed ds/dx; smaller T is a sharper surrogate).

Shapes are free: every function is elementwise.
"""

from typing import Literal

import torch

Surrogate = Literal["identity", "sigmoid"]


def sigmoid_surrogate_derivative(x: torch.Tensor, temperature: float) -> torch.Tensor:
    """d/dx sigmoid(x / T) = s (1 - s) / T."""
    s = torch.sigmoid(x / temperature)
    return s * (1 - s) / temperature


class StepSTE(torch.autograd.Function):
    """b(x) = 1[x >= 0] forward; backward grad * 1 (temperature None) or grad * ds/dx."""

    @staticmethod
    def forward(x: torch.Tensor, temperature: float | None) -> torch.Tensor:
        return (x >= 0).to(x.dtype)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        x, temperature = inputs
        ctx.temperature = temperature
        if temperature is not None:
            ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        if ctx.temperature is None:
            return grad_output, None
        (x,) = ctx.saved_tensors
        return grad_output * sigmoid_surrogate_derivative(x, ctx.temperature), None


def step_ste(x: torch.Tensor, surrogate: Surrogate = "identity", temperature: float = 1.0) -> torch.Tensor:
    """b(x) in {0, 1} with the chosen straight-through gradient."""
    return StepSTE.apply(x, None if surrogate == "identity" else temperature)


def sign_ste(x: torch.Tensor, surrogate: Surrogate = "identity", temperature: float = 1.0) -> torch.Tensor:
    """2 b(x) - 1 in {-1, +1}; its gradient is twice that of ``step_ste``."""
    return 2 * step_ste(x, surrogate, temperature) - 1
