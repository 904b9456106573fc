"""Visibility graphs: ts2vg's edges against a hand-checked series, the Laplacian term's
closed form, and training with it lowers code variation along the edges."""

import numpy as np
import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.constraints import TrainingRows, build_constraint
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.model import Autoencoder
from constrae.discrete.visibility import sequence_edges, visibility_edges
from constrae.errors import DataError

SERIES = [3.0, 1.0, 2.0, 4.0, 1.0]
# Worked out by hand. Neighbours always see each other. NVG: 0-2 (the line 3 -> 2 is at 2.5
# over t=1, above 1), 0-3 (3.33 and 3.67 over 1 and 2), 1-3 (2.5 over 2); 0-4, 1-4 and 2-4
# are hidden by the 4 at t=3. HVG: 0-2 (1 < min(3, 2)), 0-3 (1, 2 < 3); 1-3 fails (2 > min(1, 4)).
NVG = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (3, 4)]
HVG = [(0, 1), (0, 2), (0, 3), (1, 2), (2, 3), (3, 4)]


def test_natural_and_horizontal_graphs_of_a_hand_checked_series():
    assert [tuple(e) for e in visibility_edges(SERIES, "natural")] == NVG
    assert [tuple(e) for e in visibility_edges(SERIES, "horizontal")] == HVG
    assert [tuple(e) for e in visibility_edges(SERIES, "natural", max_lag=2)] == [e for e in NVG if e[1] - e[0] <= 2]


def test_a_series_too_short_for_a_graph_is_a_data_error():
    with pytest.raises(DataError, match="has 2 values.*at least 3"):
        visibility_edges([1.0, 2.0])
    rows = np.ones((6, 2))
    with pytest.raises(DataError, match=r"segment 1 \(rows 4..5\).*has 2 values"):
        sequence_edges(rows, [0, 4], "mean", "natural", 3)


def test_segments_are_never_linked():
    rows = np.random.default_rng(0).random((12, 3))
    edges = sequence_edges(rows, [0, 5], "log_power", "natural", 10)
    assert all((i < 5) == (j < 5) for i, j in edges)


def test_metric_is_the_laplacian_quadratic_form_per_edge():
    torch.manual_seed(0)
    model = Autoencoder(ModelConfig(input_size=4, hidden_size=3)).eval()
    X = torch.rand(20, 4)
    train = torch.arange(20)[torch.arange(20) % 7 != 3]
    term = build_constraint({"name": "visibility_graph", "max_lag": 3})
    term.observe_training_rows(TrainingRows(X, train, [0]))
    edges = term.edges_E2.numpy()
    assert not np.isin(edges, [3, 10, 17]).any()
    A = np.zeros((20, 20))
    A[edges[:, 0], edges[:, 1]] = A[edges[:, 1], edges[:, 0]] = 1
    L = np.diag(A.sum(axis=1)) - A
    with torch.no_grad():
        Z = model.encode(X).double().numpy()
    expected = np.trace(Z.T @ L @ Z) / len(edges)
    assert term.metrics(model, None)["edge_code_distance"] == pytest.approx(expected, rel=1e-5)


def edge_distance(lam: float) -> float:
    torch.manual_seed(0)
    t = torch.arange(300, dtype=torch.float32)
    X = torch.stack([torch.sin(t / 7 + k) + 0.8 * torch.randn(300) for k in range(8)], dim=1)
    constraints = [{"name": "visibility_graph", "lam": lam, "max_lag": 4, "series": "mean"}]
    config = RunConfig(
        model=ModelConfig(input_size=8, hidden_size=6),
        constraints=constraints,
        train=TrainConfig(epochs=10, lr=1e-2, batch_size=32, val_fraction=0.2),
    )
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False).fit(X)
    return history[-1]["val/visibility_graph/edge_code_distance"]


def test_training_with_the_term_lowers_code_variation_along_edges():
    assert edge_distance(5.0) < 0.5 * edge_distance(0.0)
