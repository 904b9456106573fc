"""A trained model together with the preprocessing it was trained with: recordings in, codes out."""

from pathlib import Path

import numpy as np
import torch

from constrae import checkpoint
from constrae.data import Preprocessing, Recording
from constrae.errors import CheckpointError
from constrae.model import Autoencoder, InferenceEncoder


class FeatureExtractor:
    """Codes of windows of a recording, preprocessed exactly as in training.

    Example:
        >>> extractor = FeatureExtractor.load("runs/eeg")
        >>> codes_NH = extractor.transform_recording(read_recording("S001R04.edf"))
    """

    def __init__(self, model: Autoencoder, preprocessing: Preprocessing) -> None:
        if model.config.input_size != preprocessing.n_features:
            raise CheckpointError(
                f"the model takes {model.config.input_size} inputs, the preprocessing gives {preprocessing.n_features}"
            )
        self.model = model.eval()
        self.preprocessing = preprocessing

    @classmethod
    def load(cls, run_dir: str | Path) -> "FeatureExtractor":
        model, _ = checkpoint.load_model(run_dir)
        preprocessing = checkpoint.load_preprocessing(run_dir)
        if preprocessing is None:
            raise CheckpointError(
                f"{run_dir} was trained on a feature matrix and has no {checkpoint.PREPROCESSING_FILE}; "
                "encode a (samples, features) .npy with it instead of a recording"
            )
        return cls(model, preprocessing)

    @torch.no_grad()
    def transform_recording(self, recording: Recording, starts_N: np.ndarray | None = None) -> np.ndarray:
        """(n, h) codes of the windows at ``starts_N`` (default: every hop); uint8 bits for binary units."""
        x_NF = self.preprocessing.model_inputs(recording, starts_N)
        return InferenceEncoder(self.model)(torch.from_numpy(x_NF)).numpy()
