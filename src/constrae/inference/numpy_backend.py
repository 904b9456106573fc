"""The inference path (x -> codes) in plain NumPy, for one window at a time; torch is not imported.

Shapes: ``b`` batch, ``n`` input features (``c`` channels x ``t`` samples,
channel-major), ``h`` hidden units, ``v`` virtual channels, ``f`` filters per
virtual channel, ``k`` kernel taps, ``s`` filter outputs, ``m`` = v f s.

``constrae.inference.numpy_from_torch.numpy_encoder`` copies a trained ``Autoencoder``'s
weights once into contiguous float32 arrays; a call is then a few BLAS calls. A real-time
loop encodes one window per call, so the b = 1 path writes into buffers allocated at
construction (and a strided view over them for the temporal convolution): at this size
NumPy's per-call allocation and dispatch cost as much as the arithmetic. ``to_bytes`` /
``from_bytes`` store the copy as safetensors, so a run folder is served on this path without
torch (``constrae.io.run_folder.load_numpy_encoder``).
"""

import abc
import json
from typing import ClassVar, Literal, Self, get_args

import numpy as np
from safetensors.numpy import load, save
from scipy.special import expit

from constrae.errors import CheckpointError, DataError, UnsupportedError
from constrae.inference.encoder import Encoder, channels_of, standardisation
from constrae.inference.numpy_stages import (
    AffineStage,
    FoldedSpatioTemporalStage,
    PowerStage,
    SpatioTemporalStage,
    Stage,
)
from constrae.io.safetensors_file import read_arrays

Fold = Literal["none", "temporal", "full"]
FOLDS: tuple[str, ...] = get_args(Fold)
"""Spatiotemporal encoder only. none: spatial matmul, strided temporal convolution,
code layer. temporal: the temporal filters folded into the code layer (one (h, v t)
matrix after the spatial matmul). full: the composed (h, c t) matrix, as dense."""

NUMPY_ENCODER_FORMAT = "constrae-numpy-encoder/1"


def keep_top(values_BH: np.ndarray, ranking_BH: np.ndarray, k: int) -> np.ndarray:
    """values where ranking is among the k largest of its row, else 0."""
    top_BK = np.argpartition(ranking_BH, -k, axis=1)[:, -k:]
    kept_BH = np.zeros_like(values_BH)
    np.put_along_axis(kept_BH, top_BK, np.take_along_axis(values_BH, top_BK, axis=1), axis=1)
    return kept_BH


class CodeRule(abc.ABC):
    """One step of the code computation after the stage, stored by ``kind`` and ``parts()``."""

    kind: ClassVar[str]

    @abc.abstractmethod
    def parts(self) -> dict:
        """Arrays and numbers, by constructor argument."""

    @classmethod
    def from_parts(cls, **parts) -> Self:
        return cls(**parts)


class Activation(CodeRule):
    """codes (b, h) of pre-activations (b, h)."""

    @abc.abstractmethod
    def __call__(self, pre_BH: np.ndarray) -> np.ndarray: ...


class Elementwise(Activation):
    """codes = f(pre) for f one of sigmoid, tanh, relu, linear."""

    kind = "elementwise"
    FUNCTIONS: ClassVar[dict] = {
        "sigmoid": expit,
        "tanh": np.tanh,
        "relu": lambda pre_BH: np.maximum(pre_BH, 0),
        "linear": lambda pre_BH: pre_BH,
    }

    def __init__(self, function: str) -> None:
        if function not in self.FUNCTIONS:
            raise UnsupportedError(f"NumpyEncoder: no elementwise activation {function!r}")
        self.function, self._apply = function, self.FUNCTIONS[function]

    def parts(self) -> dict:
        return {"function": self.function}

    def __call__(self, pre_BH: np.ndarray) -> np.ndarray:
        return self._apply(pre_BH)


class KeepTop(Activation):
    """TopK: each row's k largest pre-activations, zeros elsewhere."""

    kind = "topk"

    def __init__(self, k: int) -> None:
        self.k = int(k)

    def parts(self) -> dict:
        return {"k": self.k}

    def __call__(self, pre_BH: np.ndarray) -> np.ndarray:
        return keep_top(pre_BH, pre_BH, self.k)


class Threshold(Activation):
    """Binary units: uint8 bits, 1 where a >= theta (as the exported encoder gives)."""

    kind = "binary"

    def __init__(self, theta_H: np.ndarray) -> None:
        self.theta_H = theta_H

    def parts(self) -> dict:
        return {"theta_H": self.theta_H}

    def __call__(self, pre_BH: np.ndarray) -> np.ndarray:
        return (pre_BH >= self.theta_H).view(np.uint8)


class LocalityRanking(CodeRule):
    """Locality gate: the codes of the k units nearest the input, ranked by 2 x.w_i - ||w_i||^2.

    For an affine encoder W x = pre - b, so the ranking is 2 pre - offset with
    offset = 2 b + ||w_i||^2: no extra matmul, and it stays right when standardisation
    is folded into the first layer."""

    kind = "locality"

    def __init__(self, offset_H: np.ndarray, k: int) -> None:
        self.offset_H, self.k = offset_H, int(k)

    def parts(self) -> dict:
        return {"offset_H": self.offset_H, "k": self.k}

    def __call__(self, codes_BH: np.ndarray, pre_BH: np.ndarray) -> np.ndarray:
        return keep_top(codes_BH, 2 * pre_BH - self.offset_H, self.k)


STAGES: dict[str, type[Stage]] = {
    stage.kind: stage for stage in (AffineStage, SpatioTemporalStage, FoldedSpatioTemporalStage, PowerStage)
}
ACTIVATIONS: dict[str, type[Activation]] = {rule.kind: rule for rule in (Elementwise, KeepTop, Threshold)}


class NumpyEncoder(Encoder):
    """Codes of a trained ``Autoencoder`` computed with NumPy, equal to ``model.encode``.

    With ``channel_mean``/``channel_std`` (one value per channel) the encoder takes raw
    windows: the per-channel standardisation (x - mean_c) / std_c is folded into the
    first layer's weights and bias, so it costs nothing per call.

    Example:
        >>> encode = numpy_encoder(model, fold="temporal")  # constrae.inference.numpy_from_torch
        >>> codes_BH = encode(x_BN)  # float32, (b, h)
    """

    backend = "numpy"

    def __init__(
        self,
        stage: Stage,
        activation: Activation,
        gate: LocalityRanking | None,
        n_features: int,
        hidden_size: int,
        base_stage: Stage | None = None,
    ) -> None:
        self.stage, self.activation, self.gate = stage, activation, gate
        self.n_features, self.hidden_size = n_features, hidden_size
        self.base_stage = stage if base_stage is None else base_stage
        """The stage of standardised inputs (``stage`` has the standardisation folded in)."""
        self.outputs_bits = isinstance(activation, Threshold)

    def standardised(
        self, channel_mean: np.ndarray | None = None, channel_std: np.ndarray | None = None
    ) -> "NumpyEncoder":
        """This encoder on raw channel-major inputs standardised per channel as (x - mean) / std."""
        stage = self.base_stage
        if channel_mean is not None or channel_std is not None:
            channels = channels_of(self.n_features, getattr(stage, "channels", None), channel_mean, channel_std)
            stage = stage.standardised(*standardisation(self.n_features, channel_mean, channel_std, channels))
        return NumpyEncoder(
            stage,
            self.activation,
            self.gate,
            self.n_features,
            self.hidden_size,
            base_stage=self.base_stage,
        )

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

    def to_bytes(self, metadata: dict[str, str]) -> bytes:
        """The encoder of standardised inputs as safetensors: arrays in the body, the rest as JSON in
        the metadata, next to ``metadata``."""
        arrays: dict[str, np.ndarray] = {}
        rules = {"stage": self.base_stage, "activation": self.activation, "gate": self.gate}
        description: dict = {"n_features": self.n_features, "hidden_size": self.hidden_size}
        for role, rule in rules.items():
            if rule is None:
                continue
            numbers = {}
            for name, value in rule.parts().items():
                if isinstance(value, np.ndarray):
                    arrays[f"{role}.{name}"] = np.ascontiguousarray(value)
                else:
                    numbers[name] = value.item() if isinstance(value, np.generic) else value
            description[role] = {"kind": rule.kind, "numbers": numbers}
        return save(arrays, metadata={**metadata, "format": NUMPY_ENCODER_FORMAT, "encoder": json.dumps(description)})

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> tuple["NumpyEncoder", dict[str, str]]:
        """The encoder ``to_bytes`` wrote, and the file's metadata; CheckpointError names what is wrong."""
        arrays, metadata = read_arrays(where, data, load, NUMPY_ENCODER_FORMAT)
        try:
            encoder = cls._from_description(json.loads(metadata["encoder"]), arrays)
            codes_1H = encoder.encode(np.zeros((1, encoder.n_features), np.float32))
        except (ValueError, KeyError, TypeError, AttributeError, UnsupportedError, DataError) as error:
            raise CheckpointError(f"{where}: not a NumPy encoder this version can run: {error!r}") from error
        if codes_1H.shape != (1, encoder.hidden_size):
            raise CheckpointError(f"{where}: gives {codes_1H.shape[1]} codes, it says {encoder.hidden_size}")
        return encoder, metadata

    @classmethod
    def _from_description(cls, description: dict, arrays: dict[str, np.ndarray]) -> "NumpyEncoder":
        def parts(role: str) -> dict:
            prefix = f"{role}."
            stored = {name.removeprefix(prefix): array for name, array in arrays.items() if name.startswith(prefix)}
            return description[role]["numbers"] | stored

        stage = STAGES[description["stage"]["kind"]].from_parts(**parts("stage"))
        activation = ACTIVATIONS[description["activation"]["kind"]].from_parts(**parts("activation"))
        gate = LocalityRanking.from_parts(**parts("gate")) if "gate" in description else None
        return cls(stage, activation, gate, description["n_features"], description["hidden_size"])
