"""A trained model together with the preprocessing it was trained with: recordings or
filtered windows in, codes out.

Shapes: ``n`` windows, ``c`` channels, ``w`` samples per window, ``h`` hidden units.

This is the one place where the stored preprocessing meets an inference backend.
A raw-window model takes the filtered window itself and the backend standardises it
(the NumPy backend folds the standardisation into its first layer, so a call is one
copy into a float32 buffer and a few BLAS calls); a tangent-space model standardises
and maps each window to its tangent vector first.
"""

from pathlib import Path

import numpy as np

from constrae.core.encoders.spatiotemporal import SpatioTemporalEncoder
from constrae.core.model import Autoencoder
from constrae.data import Preprocessing, Recording
from constrae.data.mne_raw import recording_from_raw
from constrae.data.units import warn_if_rescaled
from constrae.data.windows import sliding_starts
from constrae.errors import CheckpointError, DataError
from constrae.inference.numpy_backend import Fold
from constrae.inference.select import Backend, make_encoder
from constrae.io import checkpoint


class FeatureExtractor:
    """Codes of windows of a recording, or of live filtered windows, preprocessed exactly as in training.

    Example:
        >>> extractor = FeatureExtractor.load("runs/eeg")
        >>> codes_NH = extractor.transform_recording(read_recording("S001R04.edf"))
        >>> codes_H = extractor.encode_window(filtered_CW)  # one causally filtered window, as a stream gives
    """

    def __init__(self, model: Autoencoder, preprocessing: Preprocessing, backend: Backend = "fastest") -> None:
        if model.config.input_size != preprocessing.n_features:
            raise CheckpointError(
                f"the model takes {model.config.input_size} inputs, the preprocessing gives {preprocessing.n_features}"
            )
        self.model = model.eval()
        self.preprocessing = preprocessing
        self.raw_windows = preprocessing.config.representation == "raw"
        """True when the encoder takes filtered windows as they are (standardisation inside the encoder)."""
        statistics = (
            {"channel_mean": preprocessing.channel_mean_C, "channel_std": preprocessing.channel_std_C}
            if self.raw_windows
            else {}
        )
        # The temporal fold is the cheapest spatiotemporal path at one window per call (bench latency).
        fold: Fold = "temporal" if isinstance(model.encoder, SpatioTemporalEncoder) else "none"
        self.encoder = make_encoder(model, backend, fold=fold, **statistics)
        self._input_1N = np.empty((1, model.config.input_size), np.float32)

    @classmethod
    def load(cls, run_dir: str | Path, backend: Backend = "fastest") -> "FeatureExtractor":
        model, _ = checkpoint.load_model(run_dir)
        preprocessing = checkpoint.load_preprocessing(run_dir)
        if preprocessing is None:
            raise CheckpointError(
                f"{run_dir} was trained on a feature matrix and has no {checkpoint.PREPROCESSING_FILE}; "
                "encode a (samples, features) .npy with it instead of a recording"
            )
        return cls(model, preprocessing, backend)

    def encode_windows(self, filtered_NCW: np.ndarray) -> np.ndarray:
        """(n, h) codes of causally filtered windows; uint8 bits for binary units."""
        if self.raw_windows:
            return self.encoder.encode(filtered_NCW.reshape(len(filtered_NCW), -1))
        return self.encoder.encode(self.preprocessing.represent(self.preprocessing.standardize(filtered_NCW)))

    def encode_window(self, filtered_CW: np.ndarray) -> np.ndarray:
        """(h,) codes of one filtered window, through a buffer kept between calls."""
        if self.raw_windows:
            np.copyto(self._input_1N.reshape(filtered_CW.shape), filtered_CW, casting="same_kind")
        else:
            self._input_1N[:] = self.preprocessing.represent(self.preprocessing.standardize(filtered_CW[None]))
        return self.encoder.encode(self._input_1N)[0]

    def transform_recording(self, recording, starts_N: np.ndarray | None = None) -> np.ndarray:
        """(n, h) codes of the windows at ``starts_N`` (default: every hop) of a Recording or an
        ``mne.io.Raw``; uint8 bits for binary units."""
        if not isinstance(recording, Recording):
            recording = as_recording(recording)
        if starts_N is None:
            starts_N = sliding_starts(recording.n_samples, self.preprocessing.window, self.preprocessing.hop)
        filtered_NCW = self.preprocessing.filtered_windows(recording, starts_N)
        warn_if_rescaled(filtered_NCW, self.preprocessing.channel_std_C, self.preprocessing.units, recording.source)
        return self.encode_windows(filtered_NCW)


def as_recording(raw) -> Recording:
    """An ``mne.io.Raw`` as a Recording; DataError for anything else."""
    if type(raw).__module__.startswith("mne"):
        import mne

        if isinstance(raw, mne.io.BaseRaw):
            return recording_from_raw(raw.copy().load_data(), f"mne.io.Raw {raw.filenames[0] if raw.filenames else ''}")
    raise DataError(f"expected a Recording (constrae.data.read_recording) or an mne.io.Raw, got {type(raw).__name__}")
