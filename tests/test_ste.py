"""Straight-through estimators: the forward is exactly binary, the backward is the chosen surrogate."""

import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.core.activations import build_activation
from constrae.core.config import ModelConfig, TrainConfig
from constrae.discrete.binary import binary_mix
from constrae.discrete.ste import sign_ste, step_ste
from constrae.errors import ConfigError


def inputs() -> torch.Tensor:
    x = torch.linspace(-3, 3, 61, dtype=torch.float64)
    return torch.cat([x, torch.tensor([0.0, -0.0, 1e-30, -1e-30], dtype=torch.float64)]).requires_grad_()


def test_step_forward_is_exactly_the_heaviside_with_one_at_zero():
    x = inputs()
    for surrogate in ("identity", "sigmoid"):
        b = step_ste(x, surrogate, 0.5)
        assert torch.equal(b, (x >= 0).to(x.dtype))
        assert set(b.tolist()) == {0.0, 1.0}
    assert step_ste(torch.zeros(1))[0] == 1.0


def test_identity_surrogate_passes_the_gradient_through_unchanged():
    x = inputs()
    upstream = torch.randn_like(x)
    (grad,) = torch.autograd.grad((step_ste(x, "identity") * upstream).sum(), x)
    assert torch.equal(grad, upstream)


@pytest.mark.parametrize("temperature", [1.0, 0.25])
def test_sigmoid_surrogate_gradient_is_the_sigmoid_derivative(temperature):
    x = inputs()
    upstream = torch.randn_like(x)
    (grad,) = torch.autograd.grad((step_ste(x, "sigmoid", temperature) * upstream).sum(), x)
    s = 1 / (1 + torch.exp(-x.detach() / temperature))
    torch.testing.assert_close(grad, upstream * s * (1 - s) / temperature, rtol=1e-12, atol=0)


def test_sign_variant_is_plus_minus_one_with_twice_the_gradient():
    x = inputs()
    z = sign_ste(x, "sigmoid", 1.0)
    assert torch.equal(z, torch.where(x >= 0, 1.0, -1.0).to(x.dtype))
    (grad,) = torch.autograd.grad(z.sum(), x)
    s = torch.sigmoid(x.detach())
    torch.testing.assert_close(grad, 2 * s * (1 - s))


def test_learned_threshold_moves_the_cut_and_gets_minus_the_surrogate_gradient():
    activation = build_activation("binary", 3, {"learn_threshold": True, "surrogate": "sigmoid", "temperature": 0.5})
    with torch.no_grad():
        activation.threshold_H.copy_(torch.tensor([0.0, 1.0, -1.0]))
    pre_BH = torch.tensor([[0.5, 0.5, -0.5], [-0.1, 1.0, -1.5]], requires_grad=True)
    codes_BH = activation(pre_BH)
    assert torch.equal(codes_BH, torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    codes_BH.sum().backward()
    s = torch.sigmoid((pre_BH.detach() - activation.threshold_H.detach()) / 0.5)
    torch.testing.assert_close(activation.threshold_H.grad, -(s * (1 - s) / 0.5).sum(dim=0))
    torch.testing.assert_close(pre_BH.grad, s * (1 - s) / 0.5)


def test_schedule_goes_from_the_sigmoid_to_bits_and_eval_is_always_binary():
    activation = build_activation("binary", 4, {"anneal_epochs": 4})
    pre_BH = torch.randn(5, 4)
    assert [binary_mix(e, 4) for e in range(6)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    activation.train()
    activation.on_epoch_start(0)
    torch.testing.assert_close(activation(pre_BH), torch.sigmoid(pre_BH))
    activation.on_epoch_start(2)
    torch.testing.assert_close(activation(pre_BH), 0.5 * torch.sigmoid(pre_BH) + 0.5 * (pre_BH >= 0).float())
    activation.on_epoch_start(4)
    assert torch.equal(activation(pre_BH), (pre_BH >= 0).float())
    activation.on_epoch_start(1)
    activation.eval()
    assert torch.equal(activation(pre_BH), (pre_BH >= 0).float())


def test_trainer_runs_the_epoch_hook_before_every_epoch():
    config = RunConfig(
        model=ModelConfig(input_size=6, hidden_size=4, activation="binary", activation_params={"anneal_epochs": 5}),
        train=TrainConfig(epochs=3, batch_size=8, val_fraction=0.0),
    )
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.rand(16, 6))
    assert model.activation.mix == binary_mix(2, 5)


@pytest.mark.parametrize(
    "params, key",
    [
        ({"surrogate": "tanh"}, "surrogate"),
        ({"temperature": 0}, "temperature"),
        ({"anneal_epochs": -1}, "anneal_epochs"),
    ],
)
def test_bad_binary_params_name_the_key(params, key):
    with pytest.raises(ConfigError, match=f"model.activation_params.{key}"):
        ModelConfig(input_size=4, hidden_size=2, activation="binary", activation_params=params)
