"""The label path: discriminative terms get class indices; bad labels are named."""

import pytest
import torch
from torch.nn import functional as F

from constrae import RunConfig, Trainer, build
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.labels import UNLABELLED
from constrae.errors import ConfigError, DataError


def discriminative_run(lam=1.0, n_classes=4, epochs=3, **train):
    config = RunConfig(
        model=ModelConfig(input_size=900, hidden_size=32, activation="sigmoid"),
        constraints=[{"name": "discriminative", "lam": lam, "n_classes": n_classes}],
        train=TrainConfig(**{"epochs": epochs, "batch_size": 16, "lr": 3e-3, "val_fraction": 0.2, **train}),
    )
    model, objective = build(config)
    return Trainer(model, objective, config, progress=False), objective


@pytest.fixture(scope="module")
def shapes():
    """400 samples of 4 gaussian blobs in 900 dimensions (like the 30x30 shapes' pixels)."""
    generator = torch.Generator().manual_seed(0)
    y = torch.arange(400) % 4
    centres = torch.randn(4, 900, generator=generator)
    return (centres[y] + 0.5 * torch.randn(400, 900, generator=generator)).sigmoid(), y


def test_head_trains_with_the_codes_and_predicts_above_chance(shapes):
    X, y = shapes
    trainer, objective = discriminative_run(epochs=8)
    history = trainer.fit(X, y_B=y)
    assert history[-1]["train/discriminative"] < history[0]["train/discriminative"]
    assert "val/discriminative" in history[-1]
    (head,) = objective.constraints
    with torch.no_grad():
        accuracy = float((head.class_probabilities(trainer.model.encode(X)).argmax(1) == y).float().mean())
    assert accuracy > 0.9  # chance is 0.25


def test_lbfgs_passes_labels_too(shapes):
    X, y = shapes
    trainer, _ = discriminative_run(epochs=2, optimizer="lbfgs", lr=1.0, lbfgs_iterations=5)
    history = trainer.fit(X, y_B=y)
    assert history[-1]["train/loss"] < history[0]["train/loss"]
    assert "train/discriminative" in history[-1] and "val/discriminative" in history[-1]


def test_the_head_is_trained_with_the_encoder():
    trainer, objective = discriminative_run()
    optimised = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    assert all(id(p) in optimised for p in objective.constraints[0].classifier.parameters())


def test_without_labels_the_error_names_the_constraint_and_the_fix(shapes):
    trainer, objective = discriminative_run()
    with pytest.raises(ConfigError, match=r"discriminative constraint needs labels.*y_B="):
        trainer.fit(shapes[0])
    with pytest.raises(ConfigError, match=r"'discriminative' is discriminative and needs labels"):
        objective(trainer.model, shapes[0][:4])


@pytest.mark.parametrize(
    "labels, message",
    [
        (torch.zeros(399, dtype=torch.long), r"expected one per sample \(400\), got shape \(399,\)"),
        (torch.zeros(400), r"expected integer class indices, got dtype torch.float32"),
        (torch.full((400,), -2), r"class indices must be >= 0 \(or -1: unlabelled\), got -2"),
        (torch.arange(400) % 6, r"label 5 is outside \[0, n_classes=4\)"),
    ],
)
def test_bad_labels_are_named(shapes, labels, message):
    trainer, _ = discriminative_run()
    with pytest.raises(DataError, match=message):
        trainer.fit(shapes[0], y_B=labels)


def test_labels_for_an_unlabelled_objective_change_nothing(shapes):
    X, y = shapes
    runs = []
    for labels in (None, y):
        config = RunConfig(
            model=ModelConfig(input_size=900, hidden_size=8),
            constraints=[{"name": "l1_codes", "lam": 1e-2}],
            train=TrainConfig(epochs=2, batch_size=64, val_fraction=0.1),
        )
        model, objective = build(config)
        Trainer(model, objective, config, progress=False).fit(X, y_B=labels)
        runs.append(model.state_dict())
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_unlabelled_rows_add_nothing_to_the_head_loss(shapes):
    X, y = shapes
    trainer, objective = discriminative_run()
    (head,) = objective.constraints
    out = trainer.model(X[:32])
    partial = y[:32].clone()
    partial[::2] = UNLABELLED
    labelled = partial >= 0
    expected = F.cross_entropy(head.classifier(out.codes_BH[labelled]), y[:32][labelled])
    torch.testing.assert_close(head.penalty(trainer.model, out, partial), expected)
    nothing = head.penalty(trainer.model, out, torch.full((32,), UNLABELLED))
    nothing.backward()
    assert float(nothing) == 0.0
    assert all(p.grad is None or not p.grad.any() for p in head.classifier.parameters())


def test_a_ninth_of_the_rows_labelled_trains_the_head_semi_supervised(shapes):
    X, y = shapes
    partial = torch.where(torch.arange(len(y)) % 9 == 0, y, torch.full_like(y, UNLABELLED))
    trainer, objective = discriminative_run(epochs=8, val_fraction=0.0)
    trainer.fit(X, y_B=partial)
    (head,) = objective.constraints
    with torch.no_grad():
        accuracy = float((head.class_probabilities(trainer.model.encode(X)).argmax(1) == y).float().mean())
    assert accuracy > 0.8  # chance is 0.25; 45 labelled rows of 400, every class among them
