"""A fitted linear classifier as a dot product: the same decision as scikit-learn's, scalers folded in.
(The whole deployed path on real windows is tested in test_bench_decode.py.)"""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from constrae.bench.linear_decision import linear_decision
from constrae.bench.variants import CLASSIFIERS
from constrae.errors import UnsupportedError


def codes_and_labels(n_features: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y_N = rng.integers(0, 2, 80)
    # Features of very different offsets and spreads, so an unfolded scaler would show.
    codes_NH = rng.normal(size=(80, n_features)) * rng.uniform(0.01, 50, n_features) + rng.uniform(-20, 20, n_features)
    return codes_NH + y_N[:, None], y_N


@pytest.mark.parametrize(
    "make",
    [
        *CLASSIFIERS.values(),
        lambda: make_pipeline(StandardScaler(with_mean=False), LogisticRegression()),
        lambda: make_pipeline(StandardScaler(), StandardScaler(with_std=False), LinearDiscriminantAnalysis()),
    ],
)
def test_the_dot_product_equals_the_classifiers_decision_function(make):
    codes_NH, y_N = codes_and_labels()
    classifier = make().fit(codes_NH, y_N)
    weights_H, bias = linear_decision(classifier)
    np.testing.assert_allclose(
        codes_NH @ weights_H + bias, classifier.decision_function(codes_NH), rtol=1e-9, atol=1e-9
    )


def test_a_step_that_is_not_a_scaler_or_more_than_two_classes_is_refused():
    codes_NH, y_N = codes_and_labels()
    with pytest.raises(UnsupportedError, match=r"pipeline step 'pca' is PCA; only StandardScaler folds in"):
        linear_decision(make_pipeline(PCA(4), LinearDiscriminantAnalysis()).fit(codes_NH, y_N))
    three_classes = LinearDiscriminantAnalysis().fit(codes_NH, np.arange(80) % 3)
    with pytest.raises(UnsupportedError, match=r"not a fitted binary linear classifier"):
        linear_decision(three_classes)
