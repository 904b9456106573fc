"""Every registered constraint meets the interface contract; a new one trains unchanged."""

import dataclasses

import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.constraints import Constraint, TrainingRows, build_constraint, constraints
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.encoders import encoders
from constrae.core.model import Autoencoder
from constrae.core.registry import Registry
from teachers import give_teacher

STOCHASTIC_ENCODER = next(name for name in encoders.names() if encoders.get(name).stochastic)


def small_model(seed: int = 0, constraint: Constraint | None = None) -> Autoencoder:
    """A model the constraint fits: a stochastic encoder for terms on a posterior."""
    torch.manual_seed(seed)
    if constraint is not None and constraint.needs_posterior:
        config = ModelConfig(input_size=9, hidden_size=12, encoder=STOCHASTIC_ENCODER, activation="linear")
    else:
        config = ModelConfig(input_size=9, hidden_size=12, activation="sigmoid")
    return Autoencoder(config)


def labels_for(constraint: Constraint, n_samples: int) -> dict:
    """The keyword a discriminative penalty takes: class indices 0 and 1."""
    return {"targets": torch.arange(n_samples) % 2} if constraint.needs_labels else {}


@pytest.fixture(params=constraints.names())
def constraint(request) -> Constraint:
    return constraints.get(request.param)()


PENALTIES = [name for name in constraints.names() if constraints.get(name).has_penalty]
HOOK_ONLY = [name for name in constraints.names() if not constraints.get(name).has_penalty]


def test_config_round_trip(constraint):
    spec = constraint.to_config()
    assert spec["name"] == constraint.registered_name
    assert build_constraint(spec).to_config() == spec


@pytest.mark.parametrize("name", PENALTIES)
def test_penalty_is_a_finite_differentiable_scalar(name):
    constraint = constraints.get(name)()
    model = small_model(constraint=constraint)
    constraint.attach(model)
    give_teacher(constraint, model)
    x_BN = torch.rand(16, 9)
    if constraint.needs_training_rows:
        constraint.observe_training_rows(TrainingRows(x_BN, torch.arange(16), [0]))
    value = constraint.penalty(model, model(constraint.corrupt(x_BN)), **labels_for(constraint, 16))
    assert value.shape == ()
    assert torch.isfinite(value)
    grads = torch.autograd.grad(value, list(model.parameters()), allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    assert all(torch.isfinite(g).all() for g in grads if g is not None)


@pytest.mark.parametrize("name", [n for n in constraints.names() if constraints.get(n).needs_labels])
def test_labelled_constraint_without_labels_names_itself(name):
    from constrae.core.objective import Objective
    from constrae.errors import ConfigError

    constraint = constraints.get(name)()
    model = small_model(constraint=constraint)
    constraint.attach(model)
    with pytest.raises(ConfigError, match=f"{name}.*needs labels"):
        Objective("mse", [constraint])(model, torch.rand(4, 9))


@pytest.mark.parametrize("name", [n for n in constraints.names() if constraints.get(n).needs_posterior])
def test_posterior_constraint_refuses_a_deterministic_encoder(name):
    from constrae.errors import ConfigError

    with pytest.raises(ConfigError, match="stochastic encoder"):
        constraints.get(name)().attach(small_model())


@pytest.mark.parametrize("name", HOOK_ONLY)
def test_hook_only_constraint_changes_something(name):
    """A constraint that declares has_penalty = False must act through a hook."""
    constraint = constraints.get(name)()
    with pytest.raises(NotImplementedError):
        constraint.penalty(small_model(), None)
    x_BN = torch.rand(16, 9)
    plain = small_model()
    constrained = small_model()
    constraint.attach(constrained)
    torch.manual_seed(1)
    x_seen_BN = constraint.corrupt(x_BN)
    constraint.after_step(constrained)
    with torch.no_grad():
        changed = not torch.equal(plain(x_BN).reconstruction_BN, constrained(x_seen_BN).reconstruction_BN)
    assert changed


def test_registry_refuses_duplicate_names():
    registry = Registry("widget")
    registry.register("a")(type("A", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")(type("B", (), {}))


@constraints.register("test_code_mean")
@dataclasses.dataclass(eq=False, repr=False)
class CodeMean(Constraint):
    """Omega = lam * mean(z): a constraint the trainer has never heard of."""

    lam: float = 0.5

    def penalty(self, model, out):
        return self.lam * out.codes_BH.mean()


def test_new_constraint_trains_without_trainer_changes():
    config = RunConfig(
        model=ModelConfig(input_size=9, hidden_size=6),
        constraints=[{"name": "test_code_mean", "lam": 2.0}],
        train=TrainConfig(epochs=3, batch_size=8, val_fraction=0.25, lr=1e-2),
    )
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False).fit(torch.rand(40, 9))
    assert "train/test_code_mean" in history[-1] and "val/test_code_mean" in history[-1]
    assert history[-1]["train/test_code_mean"] < history[0]["train/test_code_mean"]
