"""The LISTA encoder of DrSAE: the unrolled recurrence, and what it reduces to."""

import pytest
import torch

from constrae import RunConfig, build
from constrae.core.config import ModelConfig
from constrae.core.model import Autoencoder
from constrae.errors import ConfigError


def lista(steps: int) -> Autoencoder:
    torch.manual_seed(0)
    model = Autoencoder(
        ModelConfig(input_size=6, hidden_size=5, encoder="lista", encoder_params={"steps": steps}, activation="relu")
    ).double()
    with torch.no_grad():
        model.encoder.S_HH.normal_(0, 0.3)
    return model


def test_codes_follow_the_recurrence_z_relu_of_drive_plus_s_z():
    model = lista(steps=4)
    x_BN = torch.rand(3, 6, dtype=torch.float64)
    W_e, b, S = model.encoder.feedforward.weight, model.encoder.feedforward.bias, model.encoder.S_HH
    z_BH = torch.zeros(3, 5, dtype=torch.float64)
    for _ in range(4):
        z_BH = torch.relu(x_BN @ W_e.T + b + z_BH @ S.T)
    torch.testing.assert_close(model.encode(x_BN), z_BH)


def test_one_step_is_a_plain_affine_relu_encoder():
    model = lista(steps=1)
    x_BN = torch.rand(3, 6, dtype=torch.float64)
    torch.testing.assert_close(model.encode(x_BN), torch.relu(model.encoder.feedforward(x_BN)))
    assert model.encoder.affine_weight_HN() is model.encoder.feedforward.weight
    assert lista(steps=2).encoder.affine_weight_HN() is None


def test_s_learns_through_the_unrolled_steps_and_counts_as_a_weight():
    model = lista(steps=3)
    model(torch.rand(8, 6, dtype=torch.float64)).reconstruction_BN.pow(2).sum().backward()
    assert model.encoder.S_HH.grad.abs().sum() > 0
    assert any(W is model.encoder.S_HH for W in model.weight_matrices())


def test_bad_steps_and_tied_weights_are_named():
    with pytest.raises(ConfigError, match=r"model.encoder_params.steps: must be an integer >= 1, got 0"):
        build(RunConfig(model=ModelConfig(input_size=4, encoder="lista", encoder_params={"steps": 0})))
    with pytest.raises(ConfigError, match=r"model.tied: encoder 'lista' cannot tie its decoder"):
        ModelConfig(input_size=4, encoder="lista", tied=True)
    with pytest.raises(ConfigError, match=r"locality needs an affine encoder"):
        build(
            RunConfig(
                model=ModelConfig(input_size=4, hidden_size=8, encoder="lista"),
                constraints=[{"name": "locality", "k": 2}],
            )
        )
