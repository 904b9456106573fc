"""The encoder interface and its registry.

An encoder maps flat inputs ``(b, n)`` to pre-activations ``(b, h)``; the code
activation and gate follow it. It builds its own decoder (``mirror``), which maps
codes ``(b, h)`` back to ``(b, n)`` before the output non-linearity. Inputs stay
flat everywhere (a multichannel window is its ``c * t`` samples, channel-major),
so data loading, metrics and export never depend on the encoder.
"""

from typing import ClassVar, NamedTuple

import torch
from torch import nn

from constrae.core.registry import Registry

ENCODER_FIXED_ARGS = ("input_size", "hidden_size")
"""Constructor arguments every encoder takes from the model config, not from encoder_params."""

encoders: Registry["CodeEncoder"] = Registry("encoder")


class Posterior(NamedTuple):
    """A diagonal gaussian q(z | x) = N(mean, diag(exp(log_variance)))."""

    mean_BH: torch.Tensor
    """Posterior mean mu(x): the code at inference."""
    log_variance_BH: torch.Tensor
    """log sigma^2(x), elementwise."""


class CodeDecoder(nn.Module):
    """Codes ``(b, h)`` -> linear reconstruction ``(b, n)``."""

    def weight_matrices(self) -> list[torch.Tensor]:
        """Weight matrices it owns (no biases), for weight decay and non-negativity."""
        return []

    def dictionary(self) -> tuple[nn.Module, str, int]:
        """(module, parameter name, dim) of the weight whose slices along ``dim`` are
        the per-unit dictionary atoms, for parametrizations such as unit norm."""
        raise NotImplementedError(f"{type(self).__name__} has no per-unit dictionary")


class CodeEncoder(nn.Module):
    """Flat input ``(b, n)`` -> pre-activations ``(b, h)``.

    Constructor: ``(input_size, hidden_size, **params)``; ``params`` are the config's
    ``model.encoder_params``, checked against the signature.
    """

    registered_name: ClassVar[str]
    supports_tied: ClassVar[bool] = False
    """Whether ``mirror(tied=True)`` can reuse the encoder weights."""
    stochastic: ClassVar[bool] = False
    """Whether it defines a gaussian ``posterior`` q(z | x) (VAE); ``forward`` is then its mean."""
    reconstructs_input: ClassVar[bool] = True
    """Whether the decoder's target is the input itself; False when it is a summary of it
    (``reconstruction_target``), which a cross-entropy loss cannot take."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size

    def affine_weight_HN(self) -> torch.Tensor | None:
        """W with pre-activations = W x + b when the encoder is affine, else None.

        Closed-form Jacobians (contractive), nearest-weight gates (locality) and
        weight pictures use it; None sends them to their general path or refuses.
        """
        return None

    def weight_matrices(self) -> list[torch.Tensor]:
        """Weight matrices it owns (no biases), for weight decay and non-negativity."""
        return []

    def reconstruction_target(self, x_BN: torch.Tensor) -> torch.Tensor:
        """What the decoder reconstructs from the codes of ``x_BN``: the input itself by default."""
        return x_BN

    def initialise_from(self, x_BN: torch.Tensor, y_B: torch.Tensor | None = None) -> None:
        """Data-dependent initialisation from the training rows (and their labels, where the run
        has them, ``UNLABELLED`` rows included), before the first epoch; none by default."""

    def input_image_shape(self) -> tuple[int, int] | None:
        """(rows, columns) to draw one unit's input weights as an image; None lets the
        picture guess (square inputs become square tiles)."""
        return None

    def posterior(self, x_BN: torch.Tensor) -> Posterior:
        """q(z | x) as mean and log-variance, for encoders with ``stochastic = True``."""
        raise NotImplementedError(f"{type(self).__name__} is deterministic; it has no posterior")

    def mirror(self, tied: bool) -> CodeDecoder:
        """The decoder that inverts this encoder's shape."""
        raise NotImplementedError
