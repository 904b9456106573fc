"""The inference path (x -> codes) in plain NumPy, for one window at a time.

Shapes: ``b`` batch, ``n`` input features (``c`` channels x ``t`` samples,
channel-major), ``h`` hidden units, ``v`` virtual channels, ``f`` filters per
virtual channel, ``k`` kernel taps, ``s`` filter outputs, ``m`` = v f s.

``NumpyEncoder.from_model`` copies a trained ``Autoencoder``'s weights once into
contiguous float32 arrays; a call is then a few BLAS calls. A real-time loop
encodes one window per call, so the b = 1 path writes into buffers allocated at
construction (and a strided view over them for the temporal convolution): at this
size NumPy's per-call allocation and dispatch cost as much as the arithmetic.
"""

from collections.abc import Callable
from typing import Literal, get_args

import numpy as np
import torch
from scipy.special import expit

from constrae.constraints.locality import LocalityGate
from constrae.core.activations import TopK
from constrae.core.encoders.power import POWER_FLOOR, PowerEncoder
from constrae.core.encoders.spatiotemporal import SpatioTemporalEncoder
from constrae.core.model import Autoencoder, CodeGate
from constrae.discrete.binary import Binary
from constrae.errors import DataError, UnsupportedError
from constrae.inference.encoder import Encoder, input_channels, standardisation
from constrae.inference.numpy_stages import (
    AffineStage,
    FoldedSpatioTemporalStage,
    PowerFeatures,
    PowerStage,
    SpatioTemporalStage,
)

Fold = Literal["none", "temporal", "full"]
FOLDS: tuple[str, ...] = get_args(Fold)
"""Spatiotemporal encoder only. none: spatial matmul, strided temporal convolution,
code layer. temporal: the temporal filters folded into the code layer (one (h, v t)
matrix after the spatial matmul). full: the composed (h, c t) matrix, as dense."""


def _array(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)


def _keep_top(values_BH: np.ndarray, ranking_BH: np.ndarray, k: int) -> np.ndarray:
    """values where ranking is among the k largest of its row, else 0."""
    top_BK = np.argpartition(ranking_BH, -k, axis=1)[:, -k:]
    kept_BH = np.zeros_like(values_BH)
    np.put_along_axis(kept_BH, top_BK, np.take_along_axis(values_BH, top_BK, axis=1), axis=1)
    return kept_BH


def _activation(model: Autoencoder) -> Callable[[np.ndarray], np.ndarray]:
    name = getattr(type(model.activation), "registered_name", type(model.activation).__name__)
    elementwise = {
        "sigmoid": expit,
        "tanh": np.tanh,
        "relu": lambda pre_BH: np.maximum(pre_BH, 0),
        "linear": lambda pre_BH: pre_BH,
    }
    if name in elementwise:
        return elementwise[name]
    activation = model.activation
    if isinstance(activation, TopK):
        k = activation.k
        return lambda pre_BH: _keep_top(pre_BH, pre_BH, k)
    if isinstance(activation, Binary):
        # uint8 bits, as the exported encoder gives: 1 where a >= theta.
        threshold = activation.threshold_H
        theta_H = np.zeros(model.config.hidden_size, np.float32) if threshold is None else _array(threshold)
        return lambda pre_BH: (pre_BH >= theta_H).view(np.uint8)
    raise UnsupportedError(
        f"NumpyEncoder cannot run activation {name!r} (model.activation); "
        "it runs: sigmoid, tanh, relu, linear, topk, binary"
    )


def _gate(model: Autoencoder) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """codes, pre -> gated codes, or None for the default gate that keeps every code.

    The locality gate ranks units by 2 x.w_i - ||w_i||^2. For an affine encoder
    W x = pre - b, so the ranking comes from the pre-activations at no extra matmul,
    and stays right when standardisation is folded into the first layer.
    """
    gate = model.gate
    if type(gate) is CodeGate:
        return None
    W_HN = model.encoder.affine_weight_HN()
    if type(gate) is LocalityGate and W_HN is not None:
        bias_H = model.encoder(torch.zeros(1, model.input_size))[0]
        offset_H = _array(2 * bias_H + W_HN.pow(2).sum(dim=1))
        k = gate.k
        return lambda codes_BH, pre_BH: _keep_top(codes_BH, 2 * pre_BH - offset_H, k)
    raise UnsupportedError(
        f"NumpyEncoder cannot run code gate {type(model.gate).__name__} (model.gate); "
        "it runs the default gate and locality"
    )


def power_features(encoder: PowerEncoder) -> PowerFeatures:
    """The NumPy copy of a power encoder's features and code layer, from second moments on."""
    return PowerFeatures(
        encoder.pair_rows.numpy(),
        encoder.pair_cols.numpy(),
        _array(encoder.feature_mean_F),
        _array(encoder.feature_scale_F),
        _array(encoder.code_layer.weight),
        _array(encoder.code_layer.bias),
        POWER_FLOOR,
    )


def _power_stage(encoder: PowerEncoder, scale_N: np.ndarray, shift_N: np.ndarray) -> PowerStage:
    # Standardisation is per channel: S ((x - m) / s) = (S / s) x - S (m / s), a scaled S and an offset.
    S_VC = _array(encoder.spatial.weight)
    scale_C, shift_C = scale_N[:: encoder.samples], shift_N[:: encoder.samples]
    return PowerStage(S_VC * scale_C, S_VC @ shift_C, power_features(encoder), encoder.samples)


def _stage(model: Autoencoder, fold: str, scale_N: np.ndarray, shift_N: np.ndarray):
    encoder = model.encoder
    name = getattr(type(encoder), "registered_name", type(encoder).__name__)
    if name not in ("dense", "spatiotemporal", "power"):
        raise UnsupportedError(
            f"NumpyEncoder cannot run encoder {name!r} (model.encoder); it runs: dense, spatiotemporal, power"
        )
    if isinstance(encoder, PowerEncoder):
        return _power_stage(encoder, scale_N, shift_N)
    # The stage is affine, so the standardisation's shift becomes part of its bias.
    bias_H = _array(encoder(torch.from_numpy(shift_N[None]))[0])
    W_HN = encoder.affine_weight_HN()
    if not isinstance(encoder, SpatioTemporalEncoder) or fold == "full":
        assert W_HN is not None, "dense and spatiotemporal encoders are affine"
        return AffineStage(_array(W_HN) * scale_N, bias_H)
    # Standardisation scales whole channels, so it folds into the spatial projection's columns.
    S_VC = _array(encoder.spatial.weight) * scale_N[:: encoder.samples]
    if fold == "temporal":
        return FoldedSpatioTemporalStage(S_VC, _array(encoder.code_weight_HVT()).reshape(len(bias_H), -1), bias_H)
    G_VFK = _array(encoder.temporal.weight).reshape(encoder.virtual_channels, encoder.filters, encoder.kernel)
    return SpatioTemporalStage(S_VC, G_VFK, _array(encoder.code_layer.weight), bias_H, encoder.samples, encoder.stride)


class NumpyEncoder(Encoder):
    """Codes of a trained ``Autoencoder`` computed with NumPy, equal to ``model.encode``.

    With ``channel_mean``/``channel_std`` (one value per channel) the encoder takes raw
    windows: the per-channel standardisation (x - mean_c) / std_c is folded into the
    first layer's weights and bias, so it costs nothing per call.

    Example:
        >>> encode = NumpyEncoder.from_model(model, fold="temporal")
        >>> codes_BH = encode(x_BN)  # float32, (b, h)
    """

    backend = "numpy"

    def __init__(self, stage, activation, gate, n_features: int, hidden_size: int) -> None:
        self.stage, self.activation, self.gate = stage, activation, gate
        self.n_features, self.hidden_size = n_features, hidden_size

    @classmethod
    def from_model(
        cls,
        model: Autoencoder,
        fold: Fold = "none",
        channel_mean: np.ndarray | None = None,
        channel_std: np.ndarray | None = None,
    ) -> "NumpyEncoder":
        """Copy ``model``'s inference path; UnsupportedError names any part it cannot run."""
        if fold not in FOLDS:
            raise UnsupportedError(f"NumpyEncoder: fold={fold!r} is not one of {', '.join(FOLDS)}")
        channels = input_channels(model, channel_mean if channel_mean is not None else channel_std)
        scale_N, shift_N = standardisation(model.input_size, channel_mean, channel_std, channels)
        with torch.no_grad():
            activation, gate, stage = _activation(model), _gate(model), _stage(model, fold, scale_N, shift_N)
        return cls(stage, activation, gate, model.input_size, model.config.hidden_size)

    def encode(self, x_BN: np.ndarray) -> np.ndarray:
        """Codes (b, h) float32 of ``x_BN`` (b, n), uint8 bits for binary units. Values are not
        scanned for NaN (that would cost more than the encoding); NaN inputs give NaN codes, as in torch."""
        x_BN = np.ascontiguousarray(x_BN, dtype=np.float32)
        if x_BN.ndim != 2 or x_BN.shape[1] != self.n_features:
            raise DataError(f"input to NumpyEncoder: has shape {x_BN.shape}, the model expects (b, {self.n_features})")
        pre_BH = self.stage(x_BN)
        codes_BH = self.activation(pre_BH)
        if self.gate is not None:
            codes_BH = self.gate(codes_BH, pre_BH)
        return codes_BH if codes_BH.dtype == np.uint8 else codes_BH.astype(np.float32, copy=False)
