"""scikit-learn estimator over the autoencoder: fit, transform, inverse_transform, score."""

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.trainer import Trainer
from constrae.data.loading import check_matrix


class SparseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A constrained autoencoder as a scikit-learn transformer.

    ``transform`` returns the codes, ``inverse_transform`` the reconstruction
    from codes, ``score`` the negative mean squared reconstruction error. The
    reconstruction is of the input, or of the statistics an encoder reconstructs
    instead (``reconstruction_target``: the power encoder's channel powers).
    Parameters mirror :class:`ModelConfig` and :class:`TrainConfig`;
    ``constraints`` is a list of specs such as ``{"name": "kl_sparsity", "rho": 0.05}``.

    Example:
        >>> ae = SparseAutoencoder(hidden_size=16, constraints=[{"name": "l1_codes"}], epochs=2)
        >>> ae.fit(np.random.rand(64, 10)).transform(np.random.rand(3, 10)).shape
        (3, 16)
    """

    def __init__(
        self,
        hidden_size=100,
        activation="sigmoid",
        activation_params=None,
        tied=False,
        decoder_output="linear",
        loss="mse",
        constraints=None,
        optimizer="adam",
        lr=1e-3,
        momentum=0.0,
        batch_size=128,
        epochs=50,
        lbfgs_iterations=20,
        val_fraction=0.0,
        patience=None,
        random_state=None,
        verbose=False,
    ):
        self.hidden_size = hidden_size
        self.activation = activation
        self.activation_params = activation_params
        self.tied = tied
        self.decoder_output = decoder_output
        self.loss = loss
        self.constraints = constraints
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.lbfgs_iterations = lbfgs_iterations
        self.val_fraction = val_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def run_config(self, n_features: int) -> RunConfig:
        """The RunConfig these parameters describe (validated)."""
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return RunConfig(
            model=ModelConfig(
                input_size=n_features,
                hidden_size=self.hidden_size,
                activation=self.activation,
                activation_params=dict(self.activation_params or {}),
                tied=self.tied,
                decoder_output=self.decoder_output,
            ),
            loss=self.loss,
            constraints=[dict(spec) for spec in self.constraints or []],
            train=TrainConfig(
                optimizer=self.optimizer,
                lr=self.lr,
                momentum=self.momentum,
                batch_size=self.batch_size,
                epochs=self.epochs,
                lbfgs_iterations=self.lbfgs_iterations,
                val_fraction=self.val_fraction,
                patience=self.patience,
                seed=seed,
            ),
        )

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float32)
        self.config_ = self.run_config(X.shape[1])
        self.model_, objective = build(self.config_)
        trainer = Trainer(self.model_, objective, self.config_, progress=self.verbose)
        self.history_ = trainer.fit(torch.from_numpy(X))
        self._n_features_out = self.hidden_size
        return self

    @torch.no_grad()
    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        return self.model_.encode(torch.from_numpy(X)).numpy()

    @torch.no_grad()
    def inverse_transform(self, X):
        check_is_fitted(self)
        codes = check_matrix(X, "codes", n_features=self.hidden_size)
        return self.model_.decode(torch.from_numpy(codes)).numpy()

    @torch.no_grad()
    def score(self, X, y=None):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        x_BN = torch.from_numpy(X)
        reconstruction = self.model_(x_BN).reconstruction_BN
        return -float(torch.mean((self.model_.reconstruction_target(x_BN) - reconstruction) ** 2))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
