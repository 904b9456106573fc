"""Lateral inhibition: S from a tree, groups or by hand; learned S by gradient ascent."""

import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.constraints import build_constraint
from constrae.constraints.lateral_inhibition import tree_inhibition
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.model import Autoencoder
from constrae.errors import ConfigError


def relu_model(hidden=7, inputs=5) -> Autoencoder:
    torch.manual_seed(0)
    return Autoencoder(ModelConfig(input_size=inputs, hidden_size=hidden, activation="relu")).double()


def test_energy_is_the_weighted_sum_of_code_magnitude_products():
    model = relu_model()
    inhibition = build_constraint({"name": "lateral_inhibition", "lam": 0.3, "structure": "all"})
    inhibition.attach(model)
    out = model(torch.randn(4, 5, dtype=torch.float64))
    z = out.codes_BH.abs()
    expected = 0.3 * sum((z[:, i] * z[:, j]).mean() for i in range(7) for j in range(7) if i != j)
    torch.testing.assert_close(inhibition.penalty(model, out), expected)


def test_tree_structure_spares_ancestors_and_descendants():
    # Binary heap of 7 units: 0 -> (1, 2), 1 -> (3, 4), 2 -> (5, 6).
    S_HH = tree_inhibition(7, branching=2)
    assert torch.equal(S_HH, S_HH.T) and not S_HH.diagonal().any()
    related = {(0, 1), (0, 3), (1, 3), (1, 4), (0, 6), (2, 5)}
    for i, j in related:
        assert S_HH[i, j] == 0
    for i, j in [(1, 2), (3, 4), (3, 5), (4, 2), (5, 6)]:
        assert S_HH[i, j] == 1


def test_groups_inhibit_across_but_not_within():
    model = relu_model(hidden=4)
    inhibition = build_constraint(
        {"name": "lateral_inhibition", "structure": "groups", "groups": [[0, 2], [1, 3]], "strength": 2.0}
    )
    inhibition.attach(model)
    expected = 2.0 * torch.tensor([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], dtype=torch.float32)
    assert torch.equal(inhibition.S_HH, expected)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"structure": "given"}, r"lateral_inhibition.matrix: is required when structure is 'given'"),
        ({"structure": "groups"}, r"lateral_inhibition.groups: is required"),
        ({"structure": "given", "matrix": [[0, 1], [1, 0]]}, r"shape \(2, 2\), expected \(4, 4\)"),
        ({"structure": "given", "matrix": [[1] * 4] * 4}, r"zero diagonal"),
        ({"structure": "groups", "groups": [[0, 1], [2]]}, r"unit 3 is in no group"),
        ({"strength": 20.0}, r"lateral_inhibition.strength: must be in \[0, max_strength=10.0\]"),
    ],
)
def test_bad_structures_are_named(spec, message):
    with pytest.raises(ConfigError, match=message):
        build_constraint({"name": "lateral_inhibition", **spec}).attach(relu_model(hidden=4))


def learned_inhibition_run():
    config = RunConfig(
        model=ModelConfig(input_size=20, hidden_size=12, activation="relu"),
        constraints=[
            {"name": "lateral_inhibition", "lam": 0.05, "strength": 0.1, "learn": True, "ascent_lr": 5.0},
        ],
        train=TrainConfig(epochs=1, batch_size=200, lr=1e-2, val_fraction=0.0),
    )
    return build(config) + (config,)


def test_ascent_on_s_raises_the_term_and_descent_on_w_lowers_it():
    model, objective, config = learned_inhibition_run()
    (inhibition,) = objective.constraints
    x_BN = torch.rand(200, 20, generator=torch.Generator().manual_seed(0))
    objective.train()
    before = inhibition.penalty(model, model(x_BN))
    inhibition.after_step(model)  # one ascent step on S, codes unchanged
    after_ascent = inhibition.penalty(model, model(x_BN)).detach()
    assert after_ascent > before
    # One plain gradient step on the encoder, S fixed, lowers it.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    optimizer.zero_grad()
    after_ascent_with_grad = inhibition.penalty(model, model(x_BN))
    after_ascent_with_grad.backward()
    optimizer.step()
    inhibition._coactivation_HH = None
    assert inhibition.penalty(model, model(x_BN)) < after_ascent


def test_learned_s_grows_while_reconstruction_falls_and_stays_a_valid_inhibition():
    model, objective, config = learned_inhibition_run()
    (inhibition,) = objective.constraints
    initial_S = inhibition.S_HH.clone()
    trainer = Trainer(model, objective, config, progress=False)
    X = torch.rand(200, 20, generator=torch.Generator().manual_seed(0))
    history = [trainer.train_epoch(X) for _ in range(30)]
    assert history[-1]["train/reconstruction"] < history[0]["train/reconstruction"]
    assert inhibition.S_HH.sum() > initial_S.sum()
    assert (inhibition.S_HH >= 0).all() and (inhibition.S_HH <= inhibition.max_strength).all()
    assert not inhibition.S_HH.diagonal().any()


def test_fixed_s_is_not_trained():
    model, objective, config = learned_inhibition_run()
    objective.constraints[0].learn = False
    initial_S = objective.constraints[0].S_HH.clone()
    Trainer(model, objective, config, progress=False).fit(torch.rand(64, 20))
    assert torch.equal(objective.constraints[0].S_HH, initial_S)
    assert all(p is not objective.constraints[0].S_HH for p in objective.parameters())
