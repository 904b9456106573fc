"""The stacked autoencoder as a scikit-learn classifier."""

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from constrae.data.loading import check_matrix
from constrae.errors import DataError
from constrae.stacked.config import StackConfig
from constrae.stacked.network import StackedNetwork, fit_stack
from constrae.stacked.storage import load_stack, save_stack


def check_labels(y, n_samples: int, where: str = "y") -> np.ndarray:
    """``y`` as a 1-D array with one label per sample, or a DataError naming the mismatch."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{where}: expected a 1-D array of labels, got shape {y.shape}")
    if len(y) != n_samples:
        raise DataError(f"{where}: {len(y)} labels for {n_samples} samples of X; expected one label per sample")
    return y


class StackedAutoencoderClassifier(ClassifierMixin, BaseEstimator):
    """Greedy layer-wise pre-trained autoencoders, a softmax on the top codes, and
    end-to-end supervised fine-tuning.

    ``layers`` is a list of layer specs (``{"model": {...}, "constraints": [...],
    "train": {...}}``, see :class:`LayerConfig`); ``softmax`` and ``finetune`` are
    :class:`ClassifierTrainConfig` mappings. Seeds live in those specs.
    ``transform`` gives the top codes; ``frozen_score`` the accuracy before fine-tuning.

    Example:
        >>> clf = StackedAutoencoderClassifier(layers=[{"model": {"hidden_size": 8}, "train": {"epochs": 2}}])
        >>> clf.fit(np.random.rand(40, 5), np.arange(40) % 2).predict(np.random.rand(3, 5)).shape
        (3,)
    """

    def __init__(self, layers=None, softmax=None, finetune=None, verbose=False):
        self.layers = layers
        self.softmax = softmax
        self.finetune = finetune
        self.verbose = verbose

    def stack_config(self) -> StackConfig:
        """The validated StackConfig these parameters describe."""
        mapping: dict[str, Any] = {"softmax": dict(self.softmax or {}), "finetune": dict(self.finetune or {})}
        if self.layers is not None:
            mapping["layers"] = [dict(layer) for layer in self.layers]
        return StackConfig.from_mapping(mapping, where="StackedAutoencoderClassifier")

    def fit(self, X, y):
        config = self.stack_config()
        X = check_matrix(X, "X")
        y = check_labels(y, len(X))
        X = validate_data(self, X, dtype=np.float32)
        config.check_input_size(X.shape[1])
        self.classes_, y_B = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError(f"y: needs at least 2 classes, got only {self.classes_.tolist()}")
        fitted = fit_stack(config, torch.from_numpy(X), torch.from_numpy(y_B), len(self.classes_), self.verbose)
        self.config_, self.network_, self.frozen_network_, self.history_ = config, *fitted
        return self

    def _inputs(self, X) -> torch.Tensor:
        check_is_fitted(self)
        X = check_matrix(X, "X", n_features=self.n_features_in_)
        return torch.from_numpy(validate_data(self, X, dtype=np.float32, reset=False))

    @torch.no_grad()
    def transform(self, X) -> np.ndarray:
        """Top-layer codes (samples, top hidden units) of the fine-tuned stack."""
        return self.network_.codes(self._inputs(X)).numpy()

    @torch.no_grad()
    def predict_proba(self, X) -> np.ndarray:
        return torch.softmax(self.network_(self._inputs(X)), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy of the fine-tuned stack; labels never seen in ``fit`` raise a DataError."""
        return self._accuracy(self.network_, X, y, sample_weight)

    def frozen_score(self, X, y, sample_weight=None) -> float:
        """Accuracy before fine-tuning (pre-trained layers, softmax on their codes)."""
        return self._accuracy(self.frozen_network_, X, y, sample_weight)

    @torch.no_grad()
    def _accuracy(self, network: StackedNetwork, X, y, sample_weight) -> float:
        x_BN = self._inputs(X)
        y = check_labels(y, len(x_BN))
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise DataError(
                f"y: labels {unseen.tolist()[:5]} were not seen in fit; known classes: {self.classes_.tolist()}"
            )
        predicted = self.classes_[network(x_BN).argmax(dim=1).numpy()]
        return float(np.average(predicted == y, weights=sample_weight))

    def save(self, folder) -> None:
        """Write the fine-tuned stack as config.json + model.safetensors into ``folder``."""
        check_is_fitted(self)
        save_stack(folder, self.config_, self.network_, self.classes_, self.n_features_in_)

    @classmethod
    def load(cls, folder) -> "StackedAutoencoderClassifier":
        """A fitted classifier from a saved folder (without its pre-fine-tuning snapshot)."""
        config, network, classes, n_features = load_stack(folder)
        mapping = config.to_mapping()
        classifier = cls(layers=mapping["layers"], softmax=mapping["softmax"], finetune=mapping["finetune"])
        classifier.config_, classifier.network_, classifier.classes_ = config, network, classes
        classifier.n_features_in_ = n_features
        return classifier
