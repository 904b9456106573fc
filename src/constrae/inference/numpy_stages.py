"""Pre-activation stages of the NumPy inference path: x (b, n) -> pre-activations (b, h).

Shapes as in ``constrae.inference.numpy_backend``. Each stage holds contiguous float32 weights and,
for one window (b = 1), buffers that every call reuses: it returns a view of its own
buffer, which the next call overwrites (the activation that follows always writes
a new array). Larger batches take the plain, allocating path.

Every stage is rebuilt from its ``parts()`` (arrays and integers: what a file stores), and
``standardised(scale_N, shift_N)`` gives the stage of x * scale + shift with the per-channel
standardisation folded into its first layer, so standardising costs nothing per call.
"""

import abc
from typing import ClassVar

import numpy as np


def _channel_values(values_N: np.ndarray, channels: int) -> np.ndarray:
    """The per-channel value of a channel-major (n,) vector that is constant within each channel."""
    return values_N[:: len(values_N) // channels]


class Stage(abc.ABC):
    """x (b, n) -> pre-activations (b, h), rebuilt from what ``parts()`` gives."""

    kind: ClassVar[str]
    """The name a stored stage is rebuilt by (stages with a spatial projection also have ``channels``)."""

    @abc.abstractmethod
    def parts(self) -> dict:
        """The stage's arrays and numbers, by constructor argument."""

    @classmethod
    def from_parts(cls, **parts) -> "Stage":
        return cls(**parts)

    @abc.abstractmethod
    def standardised(self, scale_N: np.ndarray, shift_N: np.ndarray) -> "Stage":
        """The stage of x * scale + shift."""

    @abc.abstractmethod
    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        """Pre-activations (b, h) of ``x_BN`` (b, n)."""


class AffineStage(Stage):
    """pre = W x + b: the dense encoder, or any encoder folded into one matrix."""

    kind: ClassVar[str] = "affine"

    def __init__(self, W_HN: np.ndarray, b_H: np.ndarray) -> None:
        self.W_HN, self.b_H = np.ascontiguousarray(W_HN), b_H
        self._pre_1H = np.empty((1, len(b_H)), np.float32)

    def parts(self) -> dict:
        return {"W_HN": self.W_HN, "b_H": self.b_H}

    def standardised(self, scale_N: np.ndarray, shift_N: np.ndarray) -> "AffineStage":
        # W (x s + m) + b = (W s) x + (W m + b): the shift's image is the new bias.
        return AffineStage(self.W_HN * scale_N, self(shift_N[None])[0].copy())

    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        if len(x_BN) != 1:
            return x_BN @ self.W_HN.T + self.b_H
        np.matmul(self.W_HN, x_BN[0], out=self._pre_1H[0])
        return np.add(self._pre_1H, self.b_H, out=self._pre_1H)


class SpatioTemporalStage(Stage):
    """pre = W_code vec(G * (S x)) + b, step by step (``SpatioTemporalEncoder``).

    The depthwise strided convolution is a batched matmul over v of the filters
    (f, k) with a strided view (k, s) of each virtual channel: no im2col copy.
    """

    kind: ClassVar[str] = "spatiotemporal"

    def __init__(
        self, S_VC: np.ndarray, G_VFK: np.ndarray, W_HM: np.ndarray, b_H: np.ndarray, samples: int, stride: int
    ) -> None:
        self.S_VC, self.G_VFK, self.W_HM, self.b_H = S_VC, G_VFK, W_HM, b_H
        (v, self.channels), (_, f, self.kernel) = S_VC.shape, G_VFK.shape
        self.samples, self.stride = int(samples), int(stride)
        self.filter_outputs = W_HM.shape[1] // (v * f)
        self._virtual_VT = np.empty((v, self.samples), np.float32)
        self._windows_VKS = self._strided_windows(self._virtual_VT[None])[0]
        self._filtered_VFS = np.empty((v, f, self.filter_outputs), np.float32)
        self._pre_1H = np.empty((1, len(b_H)), np.float32)

    def parts(self) -> dict:
        return {
            "S_VC": self.S_VC,
            "G_VFK": self.G_VFK,
            "W_HM": self.W_HM,
            "b_H": self.b_H,
            "samples": self.samples,
            "stride": self.stride,
        }

    def standardised(self, scale_N: np.ndarray, shift_N: np.ndarray) -> "SpatioTemporalStage":
        # Standardisation scales whole channels, so it folds into the spatial projection's columns.
        S_VC = self.S_VC * _channel_values(scale_N, self.channels)
        bias_H = self(shift_N[None])[0].copy()
        return SpatioTemporalStage(S_VC, self.G_VFK, self.W_HM, bias_H, self.samples, self.stride)

    def _strided_windows(self, virtual_BVT: np.ndarray) -> np.ndarray:
        """(b, v, k, s) view: [.., j, i] = virtual[.., i * stride + j]."""
        b, v, _ = virtual_BVT.shape
        step = virtual_BVT.strides[2]
        return np.lib.stride_tricks.as_strided(
            virtual_BVT,
            (b, v, self.kernel, self.filter_outputs),
            (virtual_BVT.strides[0], virtual_BVT.strides[1], step, step * self.stride),
            writeable=False,
        )

    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        if len(x_BN) != 1:
            virtual_BVT = self.S_VC @ x_BN.reshape(len(x_BN), self.channels, -1)
            filtered_BVFS = self.G_VFK @ self._strided_windows(np.ascontiguousarray(virtual_BVT))
            return filtered_BVFS.reshape(len(x_BN), -1) @ self.W_HM.T + self.b_H
        np.matmul(self.S_VC, x_BN.reshape(self.channels, self.samples), out=self._virtual_VT)
        np.matmul(self.G_VFK, self._windows_VKS, out=self._filtered_VFS)
        np.matmul(self.W_HM, self._filtered_VFS.reshape(-1), out=self._pre_1H[0])
        return np.add(self._pre_1H, self.b_H, out=self._pre_1H)


class FoldedSpatioTemporalStage(Stage):
    """pre = W_HVT . (S x) + b: the temporal filters folded into the code layer, so a
    window costs two matmuls; the (h, v t) matrix is larger than the code layer
    when the stride exceeds the number of filters."""

    kind: ClassVar[str] = "folded_spatiotemporal"

    def __init__(self, S_VC: np.ndarray, W_HM: np.ndarray, b_H: np.ndarray) -> None:
        self.S_VC, self.W_HM, self.b_H = S_VC, W_HM, b_H
        v, self.channels = S_VC.shape
        self._virtual_VT = np.empty((v, W_HM.shape[1] // v), np.float32)
        self._pre_1H = np.empty((1, len(b_H)), np.float32)

    def parts(self) -> dict:
        return {"S_VC": self.S_VC, "W_HM": self.W_HM, "b_H": self.b_H}

    def standardised(self, scale_N: np.ndarray, shift_N: np.ndarray) -> "FoldedSpatioTemporalStage":
        S_VC = self.S_VC * _channel_values(scale_N, self.channels)
        return FoldedSpatioTemporalStage(S_VC, self.W_HM, self(shift_N[None])[0].copy())

    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        if len(x_BN) != 1:
            virtual_BVT = self.S_VC @ x_BN.reshape(len(x_BN), self.channels, -1)
            return virtual_BVT.reshape(len(x_BN), -1) @ self.W_HM.T + self.b_H
        np.matmul(self.S_VC, x_BN.reshape(self.channels, -1), out=self._virtual_VT)
        np.matmul(self.W_HM, self._virtual_VT.reshape(-1), out=self._pre_1H[0])
        return np.add(self._pre_1H, self.b_H, out=self._pre_1H)


class PowerFeatures:
    """pre = W_code ((p(M) - mu) / sigma) + b from a window's (v, v) second-moment matrix M
    (``PowerEncoder``): the part a streaming extractor shares, since it keeps M up to date itself.

    ``W_HF`` and ``b_H`` have the feature standardisation folded in (``standardising``), and the
    correlations are M_ij r_i r_j with r = (M_ii + floor)^-1/2, so one window is a handful of calls
    into buffers kept between them."""

    def __init__(self, rows_P: np.ndarray, cols_P: np.ndarray, W_HF: np.ndarray, b_H: np.ndarray, floor) -> None:
        self.rows_P, self.cols_P, self.W_HF, self.b_H = rows_P, cols_P, np.ascontiguousarray(W_HF), b_H
        self.floor = np.float32(floor)
        self.cross_moments = len(rows_P) > 0
        """Whether the features read M's off-diagonal (correlations); without, the powers are enough."""
        features = W_HF.shape[1]
        v = features - len(rows_P)
        self._flat_pairs_P = rows_P * v + cols_P
        self._features_F = np.empty(features, np.float32)
        self._power_V = self._features_F[:v]
        self._inverse_root_V = np.empty(v, np.float32)
        self._pre_1H = np.empty((1, len(b_H)), np.float32)

    @classmethod
    def standardising(cls, rows_P, cols_P, mean_F, scale_F, W_HF, b_H, floor) -> "PowerFeatures":
        """Code layer (W, b) on features standardised as (p - mu) / sigma: W / sigma and b - W mu / sigma."""
        W_HF = np.asarray(W_HF / scale_F, dtype=np.float32)
        return cls(rows_P, cols_P, W_HF, (b_H - W_HF @ mean_F).astype(np.float32), floor)

    def parts(self) -> dict:
        return {"rows_P": self.rows_P, "cols_P": self.cols_P, "W_HF": self.W_HF, "b_H": self.b_H, "floor": self.floor}

    def __call__(self, M_BVV: np.ndarray) -> np.ndarray:
        return self.from_powers(np.diagonal(M_BVV, axis1=1, axis2=2), M_BVV)

    def from_powers(self, power_BV: np.ndarray, M_BVV: np.ndarray | None) -> np.ndarray:
        """The same from the powers M_ii, and M itself when ``cross_moments``."""
        if len(power_BV) == 1:
            return self._one_window(power_BV[0], None if M_BVV is None else M_BVV[0])
        power_BV = power_BV + self.floor
        parts = [np.log(power_BV)]
        if self.cross_moments:
            assert M_BVV is not None, "correlations need the whole second-moment matrix"
            rows_P, cols_P = self.rows_P, self.cols_P
            parts.append(M_BVV[:, rows_P, cols_P] / np.sqrt(power_BV[:, rows_P] * power_BV[:, cols_P]))
        return np.concatenate(parts, axis=1, dtype=np.float32) @ self.W_HF.T + self.b_H

    def _one_window(self, power_V: np.ndarray, M_VV: np.ndarray | None) -> np.ndarray:
        np.add(power_V, self.floor, out=self._power_V)
        if self.cross_moments:
            assert M_VV is not None, "correlations need the whole second-moment matrix"
            np.sqrt(self._power_V, out=self._inverse_root_V)
            np.reciprocal(self._inverse_root_V, out=self._inverse_root_V)
            correlations_P = self._features_F[len(self._power_V) :]
            np.take(M_VV, self._flat_pairs_P, out=correlations_P)
            correlations_P *= self._inverse_root_V[self.rows_P]
            correlations_P *= self._inverse_root_V[self.cols_P]
        np.log(self._power_V, out=self._power_V)
        np.matmul(self.W_HF, self._features_F, out=self._pre_1H[0])
        return np.add(self._pre_1H, self.b_H, out=self._pre_1H)


class PowerStage(Stage):
    """pre = PowerFeatures(M) with M = (1/t) Y Y^T and Y = S x + o: the projection of a raw
    window, its standardisation folded into S (columns scaled) and the offset o (v,). Without
    correlations only the diagonal of M is computed (v t products instead of v^2 t)."""

    kind: ClassVar[str] = "power"

    def __init__(self, S_VC: np.ndarray, offset_V: np.ndarray, features: PowerFeatures, samples: int) -> None:
        self.S_VC, self.offset_V1, self.features, self.samples = S_VC, offset_V[:, None], features, int(samples)
        self.channels = S_VC.shape[1]
        self._virtual_VT = np.empty((len(S_VC), samples), np.float32)
        self._moments_1VV = np.empty((1, len(S_VC), len(S_VC)), np.float32)
        self._power_1V = np.empty((1, len(S_VC)), np.float32)

    def parts(self) -> dict:
        features = {f"features.{name}": value for name, value in self.features.parts().items()}
        return {"S_VC": self.S_VC, "offset_V": self.offset_V1[:, 0], "samples": self.samples, **features}

    @classmethod
    def from_parts(cls, **parts) -> "PowerStage":
        prefix = "features."
        features = {name.removeprefix(prefix): parts.pop(name) for name in list(parts) if name.startswith(prefix)}
        return cls(features=PowerFeatures(**features), **parts)

    def standardised(self, scale_N: np.ndarray, shift_N: np.ndarray) -> "PowerStage":
        # Y = S (x s + m) + o = (S s) x + (S m + o), with s and m constant within a channel.
        scale_C, shift_C = _channel_values(scale_N, self.channels), _channel_values(shift_N, self.channels)
        return PowerStage(self.S_VC * scale_C, self.S_VC @ shift_C + self.offset_V1[:, 0], self.features, self.samples)

    def __call__(self, x_BN: np.ndarray) -> np.ndarray:
        inverse_t = np.float32(1 / self.samples)
        if len(x_BN) != 1:
            virtual_BVT = self.S_VC @ x_BN.reshape(len(x_BN), self.channels, self.samples) + self.offset_V1
            if not self.features.cross_moments:
                return self.features.from_powers(np.einsum("bvt,bvt->bv", virtual_BVT, virtual_BVT) * inverse_t, None)
            return self.features(virtual_BVT @ virtual_BVT.transpose(0, 2, 1) * inverse_t)
        np.matmul(self.S_VC, x_BN.reshape(self.channels, self.samples), out=self._virtual_VT)
        self._virtual_VT += self.offset_V1
        if not self.features.cross_moments:
            np.einsum("vt,vt->v", self._virtual_VT, self._virtual_VT, out=self._power_1V[0])
            self._power_1V *= inverse_t
            return self.features.from_powers(self._power_1V, None)
        np.matmul(self._virtual_VT, self._virtual_VT.T, out=self._moments_1VV[0])
        self._moments_1VV *= inverse_t
        return self.features(self._moments_1VV)
