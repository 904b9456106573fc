"""The inference interface, and the input standardisation every backend shares.

Shapes: ``b`` batch, ``n`` model inputs, ``c`` channels, ``h`` hidden units.

Every backend computes the same codes from the same inputs: float32 codes, or uint8
bits (0/1, one per unit) for binary units. Where the inputs are raw EEG windows,
the per-channel standardisation is given here once (``channel_mean``,
``channel_std``): the NumPy backend folds it into its first layer, the others apply
it before encoding, so a caller never does it twice or not at all.
"""

import abc
from typing import TYPE_CHECKING

import numpy as np

from constrae.errors import DataError

if TYPE_CHECKING:
    from constrae.core.model import Autoencoder


class Encoder(abc.ABC):
    """Codes of model inputs: ``encode(x_BN) -> codes_BH``, fit-free, one call per batch.

    Example:
        >>> encoder = make_encoder(model, "numpy")
        >>> codes_BH = encoder.encode(x_BN)  # or encoder(x_BN)
    """

    n_features: int
    """Model inputs per row (n)."""
    hidden_size: int
    """Codes per row (h)."""
    backend: str
    """Which runtime encodes: torch, numpy, onnx or int8."""
    outputs_bits: bool
    """True when the codes are uint8 bits (binary units)."""

    @abc.abstractmethod
    def encode(self, x_BN: np.ndarray) -> np.ndarray:
        """Codes (b, h) of ``x_BN`` (b, n): float32, or uint8 bits for binary units."""

    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        return self.encode(x_BN)


class StandardisingEncoder(Encoder):
    """An encoder of standardised inputs behind x * scale + shift, for backends that
    cannot fold the standardisation into their weights."""

    def __init__(self, inner: Encoder, scale_N: np.ndarray, shift_N: np.ndarray) -> None:
        self.inner, self.scale_N, self.shift_N = inner, scale_N, shift_N
        self.n_features, self.hidden_size, self.backend = inner.n_features, inner.hidden_size, inner.backend
        self.outputs_bits = inner.outputs_bits

    def encode(self, x_BN: np.ndarray) -> np.ndarray:
        return self.inner.encode(np.asarray(x_BN, np.float32) * self.scale_N + self.shift_N)


def standardisation(n_features: int, channel_mean, channel_std, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(scale, shift), each (n,), with standardised x = x * scale + shift for channel-major
    inputs of ``channels`` channels; identity where both statistics are None."""
    mean_C = np.zeros(channels, np.float32) if channel_mean is None else np.asarray(channel_mean, np.float32)
    std_C = np.ones(channels, np.float32) if channel_std is None else np.asarray(channel_std, np.float32)
    for name, stat in (("channel_mean", mean_C), ("channel_std", std_C)):
        if stat.shape != (channels,):
            raise DataError(f"standardisation: {name} has shape {stat.shape}, expected ({channels},)")
    if not (np.isfinite(std_C).all() and (std_C > 0).all()):
        raise DataError("standardisation: channel_std must be finite and > 0 for every channel")
    repeat = n_features // channels
    return np.repeat(1 / std_C, repeat), np.repeat(-mean_C / std_C, repeat)


def input_channels(model: "Autoencoder", *stats) -> int:
    """How many channels the statistics are per: the encoder's own, else (dense) as many as given."""
    channels_of_encoder = getattr(model.encoder, "channels", None)
    return channels_of(model.input_size, channels_of_encoder if isinstance(channels_of_encoder, int) else None, *stats)


def channels_of(n_features: int, encoder_channels: int | None, *stats) -> int:
    """``encoder_channels`` where the encoder has its own, else (dense) as many as the first statistic
    that is given holds; DataError when they do not divide the ``n_features`` inputs."""
    if encoder_channels is not None:
        return encoder_channels
    given = next((np.asarray(stat) for stat in stats if stat is not None), None)
    channels = 1 if given is None else len(given)
    if channels == 0 or n_features % channels:
        raise DataError(
            f"standardisation: {channels} channel statistics do not divide the model's {n_features} input features"
        )
    return channels
