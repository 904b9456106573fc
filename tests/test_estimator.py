"""SparseAutoencoder as a scikit-learn estimator."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from constrae import SparseAutoencoder
from constrae.data.datasets.shapes import make_shapes
from constrae.errors import ConfigError, DataError


@parametrize_with_checks([SparseAutoencoder(hidden_size=5, epochs=5, batch_size=16)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def shapes():
    X, y = make_shapes(400, seed=1)
    return X, y


def test_pipeline_and_grid_search_over_constraint_settings(shapes):
    X, y = shapes
    pipeline = Pipeline(
        [
            ("ae", SparseAutoencoder(hidden_size=32, epochs=15, lr=1e-2, random_state=0)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = {
        "ae__constraints": [
            [{"name": "kl_sparsity", "rho": 0.05, "beta": 3}],
            [{"name": "denoising", "q": 0.3}, {"name": "weight_decay", "lam": 1e-4}],
        ]
    }
    search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)
    assert search.best_score_ > 0.4
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_transform_inverse_transform_and_score(shapes):
    X, _ = shapes
    ae = SparseAutoencoder(hidden_size=24, activation="topk", activation_params={"k": 6}, epochs=10, random_state=0)
    codes = ae.fit(X).transform(X[:10])
    assert codes.shape == (10, 24) and ((codes != 0).sum(axis=1) == 6).all()
    reconstruction = ae.inverse_transform(codes)
    assert reconstruction.shape == (10, 900)
    assert ae.score(X) == pytest.approx(-np.mean((X - ae.inverse_transform(ae.transform(X))) ** 2), rel=1e-5)
    assert list(ae.get_feature_names_out()[:2]) == ["sparseautoencoder0", "sparseautoencoder1"]


def test_bad_inputs_are_named(shapes):
    X, _ = shapes
    ae = SparseAutoencoder(hidden_size=8, epochs=1).fit(X[:50])
    with pytest.raises(ValueError, match="X has 10 features, but SparseAutoencoder is expecting 900"):
        ae.transform(X[:5, :10])
    with pytest.raises(DataError, match="codes: has 7 features, the model expects 8"):
        ae.inverse_transform(np.zeros((2, 7)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ae.transform(np.full((2, 900), np.nan))
    with pytest.raises(ConfigError, match="unknown constraint 'sparsity'"):
        SparseAutoencoder(constraints=[{"name": "sparsity"}]).fit(X[:20])
