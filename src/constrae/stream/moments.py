"""Streaming second-order statistics for a power-encoder model: v channels filtered, not c,
and the window's second moments kept up to date sample by sample instead of recomputed.

Shapes: ``c`` the model's channels, ``v`` virtual channels, ``t`` samples of a chunk,
``w`` samples per window, ``h`` hidden units.

The encoder reads Y = S X_std of a filtered, standardised window, X_std = diag(1/std) (X - mean).
Here the projection P = S diag(1/std) runs on each raw chunk before the band-pass, and the
constant o = -P mean is added after it: filter(P x) = P filter(x) because the filter is linear,
the same on every channel and starts from rest on both sides, so y_t = filter(P x)_t + o is
the offline path's virtual sample, in float64 throughout (the band-pass runs as one
matrix product per chunk, ``stream.chunk_filter``). The running sum of y_t y_t^T over
the last w samples gains the samples that enter and loses the ones that leave the ring; at a
due hop M = sum / w goes through the NumPy backend's ``PowerFeatures`` and activation.
"""

import numpy as np

from constrae.data import Preprocessing
from constrae.inference.numpy_backend import Activation
from constrae.inference.numpy_stages import PowerStage
from constrae.stream.chunk_filter import ChunkFilter
from constrae.stream.windows import StreamWindows


class RunningMoments(StreamWindows):
    """Projected, filtered virtual channels in a ring, and the sum of their outer products over it.

    Example:
        >>> encoder = numpy_encoder(power_model)  # constrae.inference.numpy_from_torch
        >>> moments = RunningMoments(encoder.base_stage, encoder.activation, preprocessing)
        >>> moments.append(moments.filter(chunk_CT))
        >>> M_VV = moments.moments_VV()  # (1/w) sum of y_t y_t^T over the newest w samples
    """

    encoding = "numpy, running moments"

    def __init__(self, stage: PowerStage, activation: Activation, preprocessing: Preprocessing) -> None:
        """``stage``: the power encoder's stage of standardised inputs (the model's own projection S)."""
        S_VC = stage.S_VC.astype(np.float64)
        self.projection_VC = S_VC / preprocessing.channel_std_C
        self.offset_V1 = -(self.projection_VC @ preprocessing.channel_mean_C)[:, None]
        self._chunk_filter = ChunkFilter(preprocessing.causal_filter().sos, len(S_VC))
        self.window = preprocessing.window
        self.features, self.activation = stage.features, activation
        self._ring_VW = np.zeros((len(S_VC), self.window))
        self._sum_VV = np.zeros((len(S_VC), len(S_VC)))
        self.restart()

    def restart(self) -> None:
        self._chunk_filter.reset()
        # A zero ring makes the samples "leaving" it before the first window is full contribute nothing.
        self._ring_VW.fill(0)
        self._sum_VV.fill(0)
        self.samples_seen = 0

    def filter(self, samples_CT: np.ndarray) -> np.ndarray:
        return self._chunk_filter(self.projection_VC @ samples_CT) + self.offset_V1

    def append(self, filtered_KT: np.ndarray) -> None:
        n_new = filtered_KT.shape[1]
        entering_VT = filtered_KT[:, max(0, n_new - self.window) :]
        start = (self.samples_seen + n_new - entering_VT.shape[1]) % self.window
        # The kept samples wrap round the ring's end at most once: at most two contiguous spans (slices,
        # not index arrays, because every NumPy call counts when the loop wakes up with cold caches).
        split = min(entering_VT.shape[1], self.window - start)
        self._replace(start, entering_VT[:, :split])
        if split < entering_VT.shape[1]:
            self._replace(0, entering_VT[:, split:])
        self.samples_seen += n_new

    def _replace(self, start: int, entering_VT: np.ndarray) -> None:
        """Swap the ring's samples from ``start`` on for ``entering_VT``, in the sum too."""
        end = start + entering_VT.shape[1]
        leaving_VT = self._ring_VW[:, start:end]
        self._sum_VV += entering_VT @ entering_VT.T - leaving_VT @ leaving_VT.T
        self._ring_VW[:, start:end] = entering_VT

    def moments_VV(self) -> np.ndarray:
        """M = (1/w) sum of y_t y_t^T over the newest w samples (zeros standing in for samples before the first)."""
        return self._sum_VV / self.window

    def encode_newest(self) -> np.ndarray:
        return self.activation(self.features(self.moments_VV()[None]))[0]
