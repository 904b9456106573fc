"""Figures of stacks and classifiers: confusion counts, reconstructions, per-layer grids."""

import numpy as np
import pytest

from constrae.errors import DataError
from constrae.plots import classifier as classifier_plots
from constrae.plots.autoencoder import save_figure


def test_confusion_counts_tally_true_against_predicted():
    counts = classifier_plots.confusion_counts(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_confusion_matrix_titles_the_accuracy(tmp_path):
    figure = classifier_plots.confusion_matrix(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), ["cat", "dog"], "test")
    assert figure.axes[0].get_title() == "test  accuracy 75.0%"
    assert save_figure(figure, tmp_path / "confusion.png").stat().st_size > 0


def test_reconstructions_put_inputs_over_outputs_and_check_shapes():
    X = np.random.default_rng(0).random((4, 16))
    figure = classifier_plots.reconstructions(X, X * 0.5, (4, 4), n=3)
    assert len(figure.axes) == 6
    with pytest.raises(DataError, match="with 9 pixels each"):
        classifier_plots.reconstructions(X, X, (3, 3))
    with pytest.raises(DataError, match="must be 1-D of one length"):
        classifier_plots.confusion_counts(np.zeros(3, int), np.zeros(4, int), 2)
