import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from constrae.data.datasets.shapes import SHAPE_NAMES, make_shapes
from constrae.errors import DataError


def test_images_are_float32_in_unit_range_with_int64_labels():
    images_NP, labels_N = make_shapes(40, seed=1)
    assert images_NP.shape == (40, 900) and images_NP.dtype == np.float32
    assert labels_N.shape == (40,) and labels_N.dtype == np.int64
    assert images_NP.min() >= 0 and images_NP.max() <= 1
    assert set(labels_N.tolist()) == set(range(len(SHAPE_NAMES)))


@pytest.mark.parametrize("n_samples, expected", [(8, [2, 2, 2, 2]), (10, [3, 3, 2, 2]), (3, [1, 1, 1, 0])])
def test_classes_are_balanced_with_the_remainder_spread(n_samples, expected):
    _, labels_N = make_shapes(n_samples)
    assert np.bincount(labels_N, minlength=4).tolist() == expected


def test_labels_are_shuffled():
    _, labels_N = make_shapes(100)
    assert not np.array_equal(labels_N, np.sort(labels_N))


def test_same_seed_same_data_other_seed_other_data():
    images_a, labels_a = make_shapes(50, seed=3)
    images_b, labels_b = make_shapes(50, seed=3)
    images_c, _ = make_shapes(50, seed=4)
    np.testing.assert_array_equal(images_a, images_b)
    np.testing.assert_array_equal(labels_a, labels_b)
    assert not np.array_equal(images_a, images_c)


@pytest.mark.parametrize("size", [8, 16, 30, 45])
def test_every_shape_is_visible_filled_and_clear_of_the_border(size):
    images_NP, labels_N = make_shapes(200, seed=2, size=size)
    images_NHW = images_NP.reshape(-1, size, size)
    border_N = np.concatenate([images_NHW[:, 0], images_NHW[:, -1], images_NHW[:, :, 0], images_NHW[:, :, -1]], axis=1)
    assert border_N.max() == 0
    # Filled with one grey level in [0.5, 1]: some pixel is fully covered at that level.
    peak_N = images_NP.max(axis=1)
    assert peak_N.min() >= 0.5 - 1e-5 and peak_N.max() <= 1
    for label in range(len(SHAPE_NAMES)):
        assert (images_NP[labels_N == label] > 0).sum(axis=1).min() >= 4


def test_edges_are_anti_aliased():
    images_NP, _ = make_shapes(20)
    peak_N1 = images_NP.max(axis=1, keepdims=True)
    partial = (images_NP > 0) & (images_NP < peak_N1 - 1e-3)
    assert partial.sum(axis=1).min() > 0


def test_classes_are_distinguishable():
    images_NP, labels_N = make_shapes(800, seed=5)
    # |FFT| ignores position, and dividing by the peak ignores the grey level,
    # so a linear model sees only what tells the shapes apart.
    normalised_NHW = (images_NP / images_NP.max(axis=1, keepdims=True)).reshape(-1, 30, 30)
    features_NF = np.log1p(np.abs(np.fft.rfft2(normalised_NHW))).reshape(len(images_NP), -1)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(features_NF[:400], labels_N[:400])
    assert model.score(features_NF[400:], labels_N[400:]) > 0.9


@pytest.mark.parametrize("kwargs, argument", [({"n_samples": 0}, "n_samples"), ({"n_samples": 4, "size": 7}, "size")])
def test_bad_arguments_raise_data_error_naming_them(kwargs, argument):
    with pytest.raises(DataError, match=argument):
        make_shapes(**kwargs)
