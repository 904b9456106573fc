"""A trained ``Autoencoder``'s inference path copied into NumPy stages: the one part of the NumPy
backend that reads torch. The copy takes standardised inputs; ``NumpyEncoder.standardised``
folds a run's channel statistics in without torch."""

import numpy as np
import torch

from constrae.constraints.locality import LocalityGate
from constrae.core.activations import TopK
from constrae.core.encoders.power import POWER_FLOOR, PowerEncoder
from constrae.core.encoders.spatiotemporal import SpatioTemporalEncoder
from constrae.core.model import Autoencoder, CodeGate
from constrae.discrete.binary import Binary
from constrae.errors import UnsupportedError
from constrae.inference.numpy_backend import (
    FOLDS,
    Activation,
    Elementwise,
    Fold,
    KeepTop,
    LocalityRanking,
    NumpyEncoder,
    Threshold,
)
from constrae.inference.numpy_stages import (
    AffineStage,
    FoldedSpatioTemporalStage,
    PowerFeatures,
    PowerStage,
    SpatioTemporalStage,
    Stage,
)


def _array(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)


def serving_fold(model: Autoencoder) -> Fold:
    """The fold a served model runs: the temporal fold is the cheapest spatiotemporal path at one
    window per call (bench latency)."""
    return "temporal" if isinstance(model.encoder, SpatioTemporalEncoder) else "none"


def numpy_encoder(
    model: Autoencoder,
    fold: Fold = "none",
    channel_mean: np.ndarray | None = None,
    channel_std: np.ndarray | None = None,
) -> NumpyEncoder:
    """The NumPy copy of ``model``'s encoder, equal to ``model.encode``; with ``channel_mean`` /
    ``channel_std`` (one value per channel) it takes raw windows, standardised in its first layer.
    UnsupportedError names any part it cannot run."""
    if fold not in FOLDS:
        raise UnsupportedError(f"NumpyEncoder: fold={fold!r} is not one of {', '.join(FOLDS)}")
    with torch.no_grad():
        activation, gate, stage = _activation(model), _gate(model), _stage(model, fold)
    encoder = NumpyEncoder(stage, activation, gate, model.input_size, model.config.hidden_size)
    return encoder.standardised(channel_mean, channel_std)


def _activation(model: Autoencoder) -> Activation:
    activation = model.activation
    name = getattr(type(activation), "registered_name", type(activation).__name__)
    if name in Elementwise.FUNCTIONS:
        return Elementwise(name)
    if isinstance(activation, TopK):
        return KeepTop(activation.k)
    if isinstance(activation, Binary):
        threshold = activation.threshold_H
        return Threshold(np.zeros(model.config.hidden_size, np.float32) if threshold is None else _array(threshold))
    raise UnsupportedError(
        f"NumpyEncoder cannot run activation {name!r} (model.activation); "
        "it runs: sigmoid, tanh, relu, linear, topk, binary"
    )


def _gate(model: Autoencoder) -> LocalityRanking | None:
    """The code gate, or None for the default gate that keeps every code."""
    gate = model.gate
    if type(gate) is CodeGate:
        return None
    W_HN = model.encoder.affine_weight_HN()
    if type(gate) is LocalityGate and W_HN is not None:
        bias_H = model.encoder(torch.zeros(1, model.input_size))[0]
        return LocalityRanking(_array(2 * bias_H + W_HN.pow(2).sum(dim=1)), gate.k)
    raise UnsupportedError(
        f"NumpyEncoder cannot run code gate {type(model.gate).__name__} (model.gate); "
        "it runs the default gate and locality"
    )


def power_features(encoder: PowerEncoder) -> PowerFeatures:
    """The NumPy copy of a power encoder's features and code layer, from second moments on."""
    return PowerFeatures.standardising(
        encoder.pair_rows.numpy(),
        encoder.pair_cols.numpy(),
        _array(encoder.feature_mean_F),
        _array(encoder.feature_scale_F),
        _array(encoder.code_layer.weight),
        _array(encoder.code_layer.bias),
        POWER_FLOOR,
    )


def _stage(model: Autoencoder, fold: str) -> Stage:
    encoder = model.encoder
    name = getattr(type(encoder), "registered_name", type(encoder).__name__)
    if name not in ("dense", "spatiotemporal", "power"):
        raise UnsupportedError(
            f"NumpyEncoder cannot run encoder {name!r} (model.encoder); it runs: dense, spatiotemporal, power"
        )
    if isinstance(encoder, PowerEncoder):
        S_VC = _array(encoder.spatial.weight)
        return PowerStage(S_VC, np.zeros(len(S_VC), np.float32), power_features(encoder), encoder.samples)
    bias_H = _array(encoder(torch.zeros(1, model.input_size))[0])
    W_HN = encoder.affine_weight_HN()
    if not isinstance(encoder, SpatioTemporalEncoder) or fold == "full":
        assert W_HN is not None, "dense and spatiotemporal encoders are affine"
        return AffineStage(_array(W_HN), bias_H)
    S_VC = _array(encoder.spatial.weight)
    if fold == "temporal":
        return FoldedSpatioTemporalStage(S_VC, _array(encoder.code_weight_HVT()).reshape(len(bias_H), -1), bias_H)
    G_VFK = _array(encoder.temporal.weight).reshape(encoder.virtual_channels, encoder.filters, encoder.kernel)
    return SpatioTemporalStage(S_VC, G_VFK, _array(encoder.code_layer.weight), bias_H, encoder.samples, encoder.stride)
