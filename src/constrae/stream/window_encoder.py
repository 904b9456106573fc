"""One filtered window in, its codes out, by the cheapest path the model allows.

Shapes: ``c`` channels, ``w`` samples per window, ``n`` model inputs, ``h`` hidden units.

A raw-window model that ``NumpyEncoder`` runs gets the stored standardisation folded
into its first layer, so a call is one copy into a float32 buffer and a few BLAS
calls. A tangent-space model, or one with a part NumpyEncoder cannot run,
standardises and represents the window as ``Preprocessing.model_inputs`` does, then
encodes (NumpyEncoder if it can, else torch).
"""

import numpy as np

from constrae.extractor import FeatureExtractor
from constrae.fastpath import NumpyEncoder, fastest_encoder


class WindowEncoder:
    """Codes (h,) float32 of one causally filtered (c, w) window, as the offline extractor gives.

    Example:
        >>> encode = WindowEncoder(FeatureExtractor.load("runs/eeg"))
        >>> codes_H = encode(filtered_CW)
    """

    def __init__(self, extractor: FeatureExtractor) -> None:
        model, self.preprocessing = extractor.model, extractor.preprocessing
        self.hidden_size = model.config.hidden_size
        self._input_1N = np.empty((1, model.config.input_size), np.float32)
        # The temporal fold is the cheapest spatiotemporal path at one window per call (bench latency).
        fold = "temporal" if getattr(type(model.encoder), "registered_name", "") == "spatiotemporal" else "none"
        self.folded = self.preprocessing.config.representation == "raw"
        stats = (self.preprocessing.channel_mean_C, self.preprocessing.channel_std_C) if self.folded else (None, None)
        self._encode = fastest_encoder(model, fold=fold, channel_mean=stats[0], channel_std=stats[1])
        # The torch path does not fold the standardisation in: this class applies it.
        self.folded = self.folded and isinstance(self._encode, NumpyEncoder)
        self.path = "numpy" if isinstance(self._encode, NumpyEncoder) else "torch"
        """Which runtime encodes: numpy (NumpyEncoder) or torch."""

    def __call__(self, filtered_CW: np.ndarray) -> np.ndarray:
        if self.folded:
            # Standardisation is folded into the encoder; only the cast to float32 is left.
            np.copyto(self._input_1N.reshape(filtered_CW.shape), filtered_CW, casting="same_kind")
        else:
            self._input_1N[:] = self.preprocessing.represent(self.preprocessing.standardize(filtered_CW[None]))
        return self._encode(self._input_1N)[0]
