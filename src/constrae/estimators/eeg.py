"""An autoencoder over EEG epochs as a scikit-learn transformer, for MNE, pyRiemann and MOABB
pipelines: ``fit`` on ``mne.io.Raw`` (its sliding windows), ``mne.Epochs`` or (epochs,
channels, times) arrays; ``transform`` gives one code vector per epoch (per window for Raw).

Shapes: ``n`` epochs, ``c`` channels, ``t`` samples per epoch, ``h`` codes.
"""

import dataclasses

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
from constrae.errors import CheckpointError, DataError
from constrae.estimators.eeg_inputs import channel_names, eeg_windows, in_order
from constrae.inference.extractor import FeatureExtractor
from constrae.io import checkpoint, run_folder


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

    ``pretrained`` (a run folder, e.g. a population run) uses that run's model as it is: ``fit``
    only fits the new person's alignment on the epochs it is given (no labels), and each epoch's
    codes are the mean over its windows of the model's length.

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
        pretrained=None,
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
        self.pretrained = pretrained

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
        if self.pretrained is not None:
            return self._fit_alignment(X)
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
        self.n_features_in_, self.epoch_samples_ = c * t, t
        self._n_features_out = self.hidden_size
        return self

    def _fit_alignment(self, X):
        """With ``pretrained``: the run's model as it is, and only the alignment (channel
        standardisation, tangent reference) fitted on the windows of ``X``, without labels."""
        model, run_config = checkpoint.load_model(self.pretrained)
        population = run_folder.load_population(self.pretrained)
        trained = population[0] if population else run_folder.load_preprocessing(self.pretrained)
        if trained is None:
            raise CheckpointError(f"{self.pretrained}: not a run trained on EEG recordings")
        windows = self._windows(X)
        if not np.isclose(windows.sfreq, trained.sfreq):
            raise DataError(f"EEG input at {windows.sfreq} Hz; {self.pretrained} was trained at {trained.sfreq} Hz")
        n, c, t = windows.windows_NCW.shape
        parts_NCW = in_order(windows, trained.channels, t)
        config = dataclasses.replace(trained.config, l_freq=None, h_freq=None, notch=None)
        pieces_MCW = sub_windows(parts_NCW * conversion(windows.units, trained.units), trained.window)
        self.preprocessing_ = Preprocessing.from_windows(
            pieces_MCW, config, trained.sfreq, trained.channels, trained.units
        )
        self.model_, self.config_ = model.eval(), run_config
        self.n_features_in_, self.epoch_samples_ = c * t, t
        self._n_features_out = model.config.hidden_size
        return self

    def transform(self, X):
        """One code vector per epoch: the mean of its windows' codes (one window when the model
        was trained here; sub-windows of a pretrained model's length, half overlapping, otherwise)."""
        check_is_fitted(self)
        windows = self._windows(X)
        epochs_NCT = in_order(windows, self.preprocessing_.channels, self.epoch_samples_)
        epochs_NCT = epochs_NCT * conversion(windows.units, self.preprocessing_.units)
        pieces_MCW = sub_windows(epochs_NCT, self.preprocessing_.window)
        warn_if_rescaled(pieces_MCW, self.preprocessing_.channel_std_C, self.preprocessing_.units, "EEG input X")
        codes_MH = FeatureExtractor.from_model(self.model_, self.preprocessing_).encode_windows(pieces_MCW)
        codes_NSH = np.asarray(codes_MH, dtype=np.float32).reshape(len(epochs_NCT), -1, codes_MH.shape[1])
        return codes_NSH.mean(axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def sub_windows(epochs_NCT: np.ndarray, window: int) -> np.ndarray:
    """(n s, c, window): each epoch's windows every window // 2 samples, epoch by epoch."""
    n, c, t = epochs_NCT.shape
    if t < window:
        raise DataError(f"EEG epochs of {t} samples are shorter than the model's {window}-sample window")
    starts_S = np.arange(0, t - window + 1, max(1, window // 2))
    return np.stack([epochs_NCT[:, :, s : s + window] for s in starts_S], axis=1).reshape(n * len(starts_S), c, window)
