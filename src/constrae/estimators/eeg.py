"""An autoencoder over EEG epochs as a scikit-learn transformer, for MNE, pyRiemann and MOABB
pipelines: ``fit`` on ``mne.io.Raw`` (its sliding windows), ``mne.Epochs`` or (epochs,
channels, times) arrays; ``transform`` gives one code vector per epoch (per window for Raw).

Shapes: ``n`` epochs, ``c`` channels, ``t`` samples per epoch, ``h`` codes.
"""

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.trainer import Trainer
from constrae.data import EEGConfig, Preprocessing
from constrae.data.units import conversion, warn_if_rescaled
from constrae.estimators.eeg_inputs import channel_names, eeg_windows, in_order
from constrae.inference.extractor import FeatureExtractor


class EEGAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Codes of EEG epochs from a constrained autoencoder trained on them, without labels.

    Epochs are taken as given: band-pass them in the pipeline (``raw.filter``, a MOABB
    paradigm) as the model will see them when it decodes. Each channel is standardised, and
    with ``representation="tangent_space"`` each epoch becomes its covariance's tangent vector
    at the training epochs' Riemannian mean (``constrae.data.tangent``); ``encoder`` is any
    registered encoder (``dense``, ``spatiotemporal`` or ``power`` read the raw epochs; their
    ``channels`` parameter is filled in). ``sfreq`` and ``ch_names`` describe arrays (MNE
    objects carry theirs); a fitted estimator reads new MNE objects by channel name, converts
    them to its training units when it knows both (MNE holds volts), and warns when an input's
    amplitude is a hundred times off the training data's (an array in microvolts, say).

    Example:
        >>> ae = EEGAutoencoder(hidden_size=16, constraints=[{"name": "l1_codes", "lam": 1e-3}], epochs=5)
        >>> codes_NH = ae.fit(epochs).transform(epochs)      # mne.Epochs, or X of shape (n, c, t)
        >>> make_pipeline(EEGAutoencoder(), LinearDiscriminantAnalysis())  # a MOABB pipeline
    """

    def __init__(
        self,
        hidden_size=64,
        activation="relu",
        activation_params=None,
        encoder="dense",
        encoder_params=None,
        representation="tangent_space",
        constraints=None,
        lr=1e-3,
        batch_size=64,
        epochs=30,
        window_seconds=1.0,
        hop_seconds=0.25,
        sfreq=None,
        ch_names=None,
        random_state=None,
        verbose=False,
    ):
        self.hidden_size = hidden_size
        self.activation = activation
        self.activation_params = activation_params
        self.encoder = encoder
        self.encoder_params = encoder_params
        self.representation = representation
        self.constraints = constraints
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.window_seconds = window_seconds
        self.hop_seconds = hop_seconds
        self.sfreq = sfreq
        self.ch_names = ch_names
        self.random_state = random_state
        self.verbose = verbose

    def _windows(self, X):
        return eeg_windows(X, self.sfreq, self.ch_names, self.window_seconds, self.hop_seconds)

    def run_config(self, n_features: int, n_channels: int) -> RunConfig:
        """The RunConfig these parameters describe (validated)."""
        encoder_params = dict(self.encoder_params or {})
        if self.encoder != "dense":
            encoder_params.setdefault("channels", n_channels)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return RunConfig(
            model=ModelConfig(
                input_size=n_features,
                hidden_size=self.hidden_size,
                activation=self.activation,
                activation_params=dict(self.activation_params or {}),
                encoder=self.encoder,
                encoder_params=encoder_params,
            ),
            constraints=[dict(spec) for spec in self.constraints or []],
            train=TrainConfig(lr=self.lr, batch_size=self.batch_size, epochs=self.epochs, seed=seed),
        )

    def fit(self, X, y=None):
        windows = self._windows(X)
        windows_NCW = windows.windows_NCW
        n, c, t = windows_NCW.shape
        config = EEGConfig(
            window_seconds=t / windows.sfreq,
            hop_seconds=self.hop_seconds,
            l_freq=None,
            h_freq=None,
            channels=channel_names(windows),
            representation=self.representation,
        )
        self.preprocessing_ = Preprocessing.from_windows(
            windows_NCW, config, windows.sfreq, channel_names(windows), windows.units
        )
        inputs = self.preprocessing_.represent(self.preprocessing_.standardize(windows_NCW))
        self.config_ = self.run_config(inputs.shape[1], c)
        self.model_, objective = build(self.config_)
        self.history_ = Trainer(self.model_, objective, self.config_, progress=self.verbose).fit(
            torch.from_numpy(inputs)
        )
        self.model_.eval()
        self.n_features_in_ = c * t
        self._n_features_out = self.hidden_size
        return self

    def transform(self, X):
        check_is_fitted(self)
        windows = self._windows(X)
        windows_NCW = in_order(windows, self.preprocessing_.channels, self.preprocessing_.window)
        windows_NCW = windows_NCW * conversion(windows.units, self.preprocessing_.units)
        warn_if_rescaled(windows_NCW, self.preprocessing_.channel_std_C, self.preprocessing_.units, "EEG input X")
        codes_NH = FeatureExtractor(self.model_, self.preprocessing_).encode_windows(windows_NCW)
        return np.asarray(codes_NH, dtype=np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
