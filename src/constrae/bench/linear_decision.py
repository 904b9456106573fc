"""The decision path a user deploys from an AE row of ``constrae bench decode``: a filtered
window through ``FeatureExtractor`` on the fastest backend, then the linear classifier as one
dot product (no scikit-learn at decision time).

Shapes: ``c`` channels, ``w`` samples per window, ``h`` features (codes).
"""

from typing import NamedTuple

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from constrae.core.model import Autoencoder
from constrae.data import Preprocessing
from constrae.errors import UnsupportedError
from constrae.inference.extractor import FeatureExtractor


class LinearDecision(NamedTuple):
    """A binary linear classifier as its weights: decision = codes_H @ weights_H + bias."""

    weights_H: np.ndarray
    """One weight per feature (float64)."""
    bias: float
    """Decision offset; the classifier predicts its second class where the decision is above 0."""


def linear_decision(classifier) -> LinearDecision:
    """The weights of a fitted binary linear classifier (``coef_``, ``intercept_``), alone or the
    last step of a Pipeline whose earlier steps are StandardScalers, folded into the weights:
    w . (x - m) / s + b = (w / s) . x + b - (w / s) . m."""
    scalers, final = (
        (classifier.steps[:-1], classifier.steps[-1][1]) if isinstance(classifier, Pipeline) else ([], classifier)
    )
    for name, step in scalers:
        if not isinstance(step, StandardScaler):
            raise UnsupportedError(f"pipeline step {name!r} is {type(step).__name__}; only StandardScaler folds in")
    coef = getattr(final, "coef_", None)
    if coef is None or np.shape(coef)[0] != 1:
        raise UnsupportedError(f"{type(final).__name__} is not a fitted binary linear classifier (coef_ of one row)")
    weights_H = np.asarray(coef, np.float64)[0]
    bias = float(np.asarray(final.intercept_, np.float64)[0])
    # Innermost scaler first: each one folds into the weights of what comes after it.
    for _, scaler in reversed(scalers):
        if scaler.with_std:
            weights_H = weights_H / scaler.scale_
        if scaler.with_mean:
            bias -= float(weights_H @ scaler.mean_)
    return LinearDecision(weights_H, bias)


class DeployedDecoder:
    """A filtered window -> the model's fastest inference backend (standardisation and tangent
    mapping included) -> the classifier's dot product: what ``bench decode`` times for AE rows.

    Example:
        >>> decoder = DeployedDecoder(model, preprocessing, fitted_lda)
        >>> label = decoder.decide(filtered_CW)  # 0 or 1, as fitted_lda.predict on the same codes
    """

    def __init__(self, model: Autoencoder, preprocessing: Preprocessing, classifier) -> None:
        self.extractor = FeatureExtractor.from_model(model, preprocessing, backend="fastest")
        self.weights_H, self.bias = linear_decision(classifier)

    def decision(self, filtered_CW: np.ndarray) -> float:
        """The classifier's decision function on the window's codes."""
        return float(self.extractor.encode_window(filtered_CW) @ self.weights_H) + self.bias

    def decide(self, filtered_CW: np.ndarray) -> int:
        """1 for the classifier's second class, else 0."""
        return int(self.decision(filtered_CW) > 0)
