"""The variational autoencoder: KL closed form, reparameterisation, ELBO, sampling."""

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from constrae import RunConfig, Trainer, build
from constrae.constraints import build_constraint
from constrae.constraints.gaussian_kl import gaussian_kl_to_standard
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.vae import sample_prior
from constrae.data.datasets.shapes import make_shapes
from constrae.errors import ConfigError


def vae_config(beta=1.0, epochs=8, hidden=8):
    return RunConfig(
        model=ModelConfig(
            input_size=900,
            hidden_size=hidden,
            encoder="gaussian",
            encoder_params={"trunk_size": 64},
            activation="linear",
            decoder_output="sigmoid",
        ),
        loss="cross_entropy",
        constraints=[{"name": "gaussian_kl", "beta": beta}],
        train=TrainConfig(epochs=epochs, batch_size=32, lr=3e-3, val_fraction=0.2, seed=0),
    )


def test_kl_equals_the_diagonal_gaussian_closed_form():
    generator = torch.Generator().manual_seed(0)
    mean_BH = torch.randn(5, 7, generator=generator, dtype=torch.float64)
    log_variance_BH = torch.randn(5, 7, generator=generator, dtype=torch.float64)
    expected_B = kl_divergence(Normal(mean_BH, (0.5 * log_variance_BH).exp()), Normal(0.0, 1.0)).sum(dim=1)
    torch.testing.assert_close(gaussian_kl_to_standard(mean_BH, log_variance_BH), expected_B)
    # It vanishes exactly at the prior.
    assert gaussian_kl_to_standard(torch.zeros(2, 3), torch.zeros(2, 3)).abs().max() == 0


def test_kl_penalty_is_beta_times_the_batch_mean_of_the_closed_form():
    model, objective = build(vae_config(beta=4.0))
    x_BN = torch.rand(6, 900)
    out = model(x_BN)
    expected = 4.0 * gaussian_kl_to_standard(*out.posterior).mean()
    torch.testing.assert_close(objective(model, x_BN).terms["gaussian_kl"], expected)


def test_training_samples_by_reparameterisation_and_eval_is_the_mean():
    model, _ = build(vae_config())
    x_BN = torch.rand(4, 900)
    model.train()
    first, second = model(x_BN), model(x_BN)
    assert not torch.equal(first.codes_BH, second.codes_BH)
    torch.testing.assert_close(first.posterior.mean_BH, second.posterior.mean_BH)
    # The sample's gradient reaches both heads of the posterior.
    first.codes_BH.sum().backward()
    assert model.encoder.mean.weight.grad.abs().sum() > 0 and model.encoder.log_variance.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x_BN).codes_BH, model.encoder.posterior(x_BN).mean_BH)
        torch.testing.assert_close(model.encode(x_BN), model.encode(x_BN))


@pytest.fixture(scope="module")
def trained_vae():
    X, _ = make_shapes(300, seed=0)
    config = vae_config()
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X))
    return model, history


def test_elbo_improves_over_training(trained_vae):
    _, history = trained_vae
    # With beta = 1 the loss is the negative ELBO: reconstruction (-log p(x|z)) plus KL.
    negative_elbo = [r["val/loss"] for r in history]
    assert negative_elbo[-1] < negative_elbo[0] - 10
    assert history[-1]["train/loss"] < history[0]["train/loss"]


def test_samples_from_the_prior_have_the_data_shape(trained_vae):
    model, _ = trained_vae
    samples_BN = sample_prior(model, 5, seed=1)
    assert samples_BN.shape == (5, 900)
    assert ((samples_BN >= 0) & (samples_BN <= 1)).all()
    torch.testing.assert_close(samples_BN, sample_prior(model, 5, seed=1))
    assert not torch.equal(samples_BN, sample_prior(model, 5, seed=2))


def test_kl_needs_a_stochastic_encoder():
    model, _ = build(RunConfig(model=ModelConfig(input_size=9, hidden_size=4)))
    with pytest.raises(ConfigError, match="gaussian_kl needs a stochastic encoder.*'dense' is deterministic"):
        build_constraint({"name": "gaussian_kl"}).attach(model)


def test_bad_vae_settings_are_named():
    with pytest.raises(ConfigError, match=r"gaussian_kl.beta: must be >= 0"):
        build_constraint({"name": "gaussian_kl", "beta": -1})
    with pytest.raises(ConfigError, match=r"model.encoder_params.trunk_size: must be an integer >= 0"):
        build(RunConfig(model=ModelConfig(input_size=9, encoder="gaussian", encoder_params={"trunk_size": -2})))
