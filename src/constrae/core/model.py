"""The autoencoder: encoder, code activation, optional code gate, mirrored decoder.

Shapes: ``b`` batch, ``n`` input features, ``h`` hidden units.
"""

from typing import TYPE_CHECKING, ClassVar, NamedTuple

import torch
from torch import nn

from constrae.core.activations import build_activation
from constrae.core.encoders.base import ENCODER_FIXED_ARGS, CodeEncoder, Posterior, encoders
from constrae.core.registry import build_registered

if TYPE_CHECKING:
    # The config validates names against the registries the model's parts fill.
    from constrae.core.config import ModelConfig


class AutoencoderOutput(NamedTuple):
    """Everything one forward pass produced."""

    input_seen_BN: torch.Tensor
    """The input the encoder saw (corrupted, for denoising)."""
    pre_activations_BH: torch.Tensor
    """Encoder pre-activations a = W_e x + b_e."""
    codes_BH: torch.Tensor
    """Codes z after the activation and the code gate."""
    reconstruction_BN: torch.Tensor
    """Decoder output x_hat."""
    posterior: Posterior | None = None
    """q(z | x) of a stochastic encoder (VAE), None otherwise. While training,
    ``pre_activations_BH`` is then a sample mu + sigma * eps; in eval mode it is mu."""


class CodeGate(nn.Module):
    """Selects which codes reach the decoder; the default keeps every code.

    ``needs_encoder_weight`` says whether ``forward`` reads ``W_enc_HN``: composing it
    costs more than the whole encoding for a factored encoder (spatiotemporal), so
    gates that ignore it get None.
    """

    needs_encoder_weight: ClassVar[bool] = False

    def forward(self, codes_BH: torch.Tensor, x_BN: torch.Tensor, W_enc_HN: torch.Tensor | None) -> torch.Tensor:
        return codes_BH


class Autoencoder(nn.Module):
    """x -> z = gate(s(encoder(x))) -> x_hat = o(decoder(z)).

    The encoder is any registered architecture (``model.encoder``), the decoder its
    mirror; with ``tied=True`` a dense decoder reuses the encoder weight transposed.
    Constraints may replace ``gate`` or parametrize weights when attached.
    """

    def __init__(self, config: "ModelConfig") -> None:
        super().__init__()
        if config.input_size is None:
            raise ValueError("ModelConfig.input_size must be set before building a model")
        self.config = config
        self.input_size: int = config.input_size
        """Inputs per row (n); the config's, known once the model is built."""
        self.encoder = build_encoder(config)
        self.activation = build_activation(config.activation, config.hidden_size, config.activation_params)
        self.gate = CodeGate()
        self.decoder = self.encoder.mirror(config.tied)
        self.output_activation = nn.Sigmoid() if config.decoder_output == "sigmoid" else nn.Identity()

    @property
    def W_dec_NH(self) -> torch.Tensor:
        """The decoder's per-unit atoms as columns (dense decoders)."""
        module, name, dim = self.decoder.dictionary()
        W = getattr(module, name)
        return W if dim == 0 else W.T

    def weight_matrices(self) -> list[torch.Tensor]:
        """The weight matrices (no biases), each counted once even when tied."""
        return self.encoder.weight_matrices() + self.decoder.weight_matrices()

    def pre_activations(self, x_BN: torch.Tensor) -> torch.Tensor:
        return self.encoder(x_BN)

    def codes_from(self, pre_BH: torch.Tensor, x_BN: torch.Tensor) -> torch.Tensor:
        W_enc_HN = self.encoder.affine_weight_HN() if self.gate.needs_encoder_weight else None
        return self.gate(self.activation(pre_BH), x_BN, W_enc_HN)

    def encode(self, x_BN: torch.Tensor) -> torch.Tensor:
        return self.codes_from(self.pre_activations(x_BN), x_BN)

    def decode(self, codes_BH: torch.Tensor) -> torch.Tensor:
        return self.output_activation(self.decoder(codes_BH))

    def reconstruction_target(self, x_BN: torch.Tensor) -> torch.Tensor:
        """What ``reconstruction_BN`` is compared with: ``x_BN``, or the encoder's summary of it."""
        return self.encoder.reconstruction_target(x_BN)

    def on_epoch_start(self, epoch: int) -> None:
        """Before every training epoch: lets a scheduled activation (binary) set its state."""
        self.activation.on_epoch_start(epoch)

    def forward(self, x_BN: torch.Tensor) -> AutoencoderOutput:
        if self.encoder.stochastic:
            return self.forward_stochastic(x_BN)
        pre_BH = self.pre_activations(x_BN)
        codes_BH = self.codes_from(pre_BH, x_BN)
        return AutoencoderOutput(x_BN, pre_BH, codes_BH, self.decode(codes_BH))

    def forward_stochastic(self, x_BN: torch.Tensor) -> AutoencoderOutput:
        """The VAE pass: z ~ q(z | x) by reparameterisation while training, mu in eval."""
        posterior = self.encoder.posterior(x_BN)
        pre_BH = posterior.mean_BH
        if self.training:
            # Noise from the global generator, which the trainer seeds and checkpoints.
            pre_BH = pre_BH + torch.exp(0.5 * posterior.log_variance_BH) * torch.randn_like(pre_BH)
        codes_BH = self.codes_from(pre_BH, x_BN)
        return AutoencoderOutput(x_BN, pre_BH, codes_BH, self.decode(codes_BH), posterior)


class InferenceEncoder(nn.Module):
    """The inference path alone (x -> codes), the module exported to ONNX.

    Binary units (``activation.outputs_bits``) give uint8 bits, 1 where the code is > 0
    (the 1s of {0, 1} codes, the +1s of sign codes), one per unit, not packed."""

    def __init__(self, autoencoder: Autoencoder) -> None:
        super().__init__()
        self.autoencoder = autoencoder

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        codes_BH = self.autoencoder.encode(x_BN)
        return codes_to_bits(codes_BH) if self.autoencoder.activation.outputs_bits else codes_BH


def codes_to_bits(codes_BH: torch.Tensor) -> torch.Tensor:
    """uint8 1 where a binary code is on (> 0), else 0."""
    return (codes_BH > 0).to(torch.uint8)


def build_encoder(config: "ModelConfig") -> CodeEncoder:
    return build_registered(
        encoders,
        config.encoder,
        "model.encoder_params",
        ENCODER_FIXED_ARGS,
        config.input_size,
        config.hidden_size,
        **config.encoder_params,
    )
