"""A trained model together with the preprocessing it was trained with: recordings or
filtered windows in, codes out.

Shapes: ``n`` windows, ``c`` channels, ``w`` samples per window, ``h`` hidden units.

This is the one place where the stored preprocessing meets an inference backend.
A raw-window model takes the filtered window itself and the backend standardises it
(the NumPy backend folds the standardisation into its first layer, so a call is one
copy into a float32 buffer and a few BLAS calls); a tangent-space model standardises
and maps each window to its tangent vector first.

``FeatureExtractor.load`` on the NumPy path reads the run's stored NumPy encoder and never
imports torch; other backends, and runs without that file, rebuild the torch model.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from constrae.data import Preprocessing, Recording
from constrae.data.mne_raw import recording_from_raw
from constrae.data.units import warn_if_rescaled
from constrae.data.windows import sliding_starts
from constrae.errors import CheckpointError, DataError
from constrae.inference.encoder import Encoder
from constrae.io import run_folder

if TYPE_CHECKING:
    from constrae.core.model import Autoencoder
    from constrae.inference.select import Backend


class FeatureExtractor:
    """Codes of windows of a recording, or of live filtered windows, preprocessed exactly as in training.

    Example:
        >>> extractor = FeatureExtractor.load("runs/eeg")
        >>> codes_NH = extractor.transform_recording(read_recording("S001R04.edf"))
        >>> codes_H = extractor.encode_window(filtered_CW)  # one causally filtered window, as a stream gives
    """

    def __init__(self, encoder: Encoder, preprocessing: Preprocessing) -> None:
        """``encoder`` takes what ``encoder_statistics(preprocessing)`` says: raw filtered windows
        (standardisation inside it) for a raw-window model, model inputs otherwise."""
        if encoder.n_features != preprocessing.n_features:
            raise CheckpointError(
                f"the model takes {encoder.n_features} inputs, the preprocessing gives {preprocessing.n_features}"
            )
        self.encoder = encoder
        self.preprocessing = preprocessing
        self.raw_windows = preprocessing.config.representation == "raw"
        """True when the encoder takes filtered windows as they are (standardisation inside the encoder)."""
        self._input_1N = np.empty((1, encoder.n_features), np.float32)

    @classmethod
    def from_model(
        cls, model: "Autoencoder", preprocessing: Preprocessing, backend: "Backend" = "fastest"
    ) -> "FeatureExtractor":
        from constrae.inference.numpy_from_torch import serving_fold
        from constrae.inference.select import make_encoder

        encoder = make_encoder(model.eval(), backend, fold=serving_fold(model), **encoder_statistics(preprocessing))
        return cls(encoder, preprocessing)

    @classmethod
    def load(cls, run_dir: str | Path, backend: "Backend" = "fastest") -> "FeatureExtractor":
        """The run's model behind its preprocessing: without torch on the NumPy path (``fastest`` or
        ``numpy``) when the run holds its NumPy encoder, else through the torch model."""
        preprocessing = run_folder.load_preprocessing(run_dir)
        if preprocessing is None:
            raise CheckpointError(
                f"{run_dir} was trained on a feature matrix and has no {run_folder.PREPROCESSING_FILE}; "
                "encode a (samples, features) .npy with it instead of a recording"
            )
        stored = run_folder.load_numpy_encoder(run_dir) if backend in ("fastest", "numpy") else None
        if stored is not None:
            return cls(stored.standardised(**encoder_statistics(preprocessing)), preprocessing)
        from constrae.io.checkpoint import load_model

        model, _ = load_model(run_dir)
        return cls.from_model(model, preprocessing, backend)

    @property
    def hidden_size(self) -> int:
        return self.encoder.hidden_size

    @property
    def outputs_bits(self) -> bool:
        """True when the codes are uint8 bits (binary units)."""
        return self.encoder.outputs_bits

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


def encoder_statistics(preprocessing: Preprocessing) -> dict[str, np.ndarray]:
    """The channel statistics an encoder folds in: a raw-window model's; none for a tangent-space
    model, whose inputs the preprocessing standardises before mapping them."""
    if preprocessing.config.representation != "raw":
        return {}
    return {"channel_mean": preprocessing.channel_mean_C, "channel_std": preprocessing.channel_std_C}


def as_recording(raw) -> Recording:
    """An ``mne.io.Raw`` as a Recording; DataError for anything else."""
    if type(raw).__module__.startswith("mne"):
        import mne

        if isinstance(raw, mne.io.BaseRaw):
            return recording_from_raw(raw.copy().load_data(), f"mne.io.Raw {raw.filenames[0] if raw.filenames else ''}")
    raise DataError(f"expected a Recording (constrae.data.read_recording) or an mne.io.Raw, got {type(raw).__name__}")
