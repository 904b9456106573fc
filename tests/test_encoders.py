"""Every registered encoder meets the encoder contract; the EEG-shaped one computes what it says."""

import numpy as np
import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.constraints import constraints
from constrae.core.config import ModelConfig
from constrae.core.encoders import encoders
from constrae.core.model import Autoencoder
from constrae.errors import ConfigError
from teachers import give_teacher

CHANNELS, SAMPLES = 6, 40
ENCODER_PARAMS = {
    "dense": {},
    "spatiotemporal": {"channels": CHANNELS, "virtual_channels": 3, "filters": 2, "kernel": 7, "stride": 3},
    "gaussian": {"trunk_size": 16},
    "lista": {"steps": 3},
    "power": {"channels": CHANNELS, "virtual_channels": 4},
}
"""Small parameters per encoder for an input of CHANNELS x SAMPLES; a new encoder adds a line."""


def model_for(name: str, hidden_size: int = 10, **model) -> Autoencoder:
    torch.manual_seed(0)
    config = ModelConfig(
        input_size=CHANNELS * SAMPLES,
        hidden_size=hidden_size,
        encoder=name,
        encoder_params=ENCODER_PARAMS[name],
        **model,
    )
    return Autoencoder(config)


def test_every_registered_encoder_has_test_parameters():
    assert set(encoders.names()) == set(ENCODER_PARAMS)


@pytest.mark.parametrize("name", encoders.names())
def test_shapes_and_affine_weight(name):
    model = model_for(name)
    x_BN = torch.randn(5, CHANNELS * SAMPLES)
    out = model(x_BN)
    assert out.pre_activations_BH.shape == (5, 10)
    assert out.reconstruction_BN.shape == model.reconstruction_target(x_BN).shape
    W_HN = model.encoder.affine_weight_HN()
    if W_HN is not None:
        bias_H = model.encoder(torch.zeros(1, CHANNELS * SAMPLES))[0]
        torch.testing.assert_close(x_BN @ W_HN.T + bias_H, out.pre_activations_BH, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", encoders.names())
@pytest.mark.parametrize("constraint", constraints.names())
def test_every_constraint_trains_with_every_encoder(name, constraint):
    config = RunConfig.from_mapping(
        {
            "model": {
                "input_size": CHANNELS * SAMPLES,
                "hidden_size": 12,
                "encoder": name,
                "encoder_params": ENCODER_PARAMS[name],
            },
            "constraints": [{"name": constraint}],
            "train": {"epochs": 2, "batch_size": 16, "val_fraction": 0.0, "lr": 1e-2},
        }
    )
    needs, encoder = constraints.get(constraint), encoders.get(name)
    affine = model_for(name).encoder.affine_weight_HN() is not None
    if (needs.needs_posterior and not encoder.stochastic) or (needs.needs_affine_encoder and not affine):
        # The constraint's class attributes say this pairing cannot work: it must be refused by name.
        with pytest.raises(ConfigError, match=constraint):
            build(config)
        return
    model, objective = build(config)
    for term in objective.constraint_list:
        give_teacher(term, model)
    X_BN = torch.rand(32, CHANNELS * SAMPLES)
    y_B = torch.arange(32) % 2 if needs.needs_labels else None
    history = Trainer(model, objective, config, progress=False).fit(X_BN, y_B=y_B)
    assert np.isfinite(history[-1]["train/loss"])
    assert history[-1]["train/reconstruction"] < history[0]["train/reconstruction"] * 1.5


def test_spatiotemporal_equals_an_independent_numpy_computation():
    model = model_for("spatiotemporal")
    enc = model.encoder
    x_BN = torch.randn(4, CHANNELS * SAMPLES)
    S_VC = enc.spatial.weight.detach().numpy()
    G_FK = enc.temporal.weight.detach().numpy()[:, 0, :]
    x_BCT = x_BN.numpy().reshape(4, CHANNELS, SAMPLES)
    virtual_BVT = np.einsum("vc,bct->bvt", S_VC, x_BCT)
    outputs = []
    for row in range(enc.virtual_channels * enc.filters):
        signal_BT = virtual_BVT[:, row // enc.filters]
        starts = range(0, SAMPLES - enc.kernel + 1, enc.stride)
        outputs.append(np.stack([signal_BT[:, s : s + enc.kernel] @ G_FK[row] for s in starts], axis=1))
    features_BM = np.stack(outputs, axis=1).reshape(4, -1)
    expected = features_BM @ enc.code_layer.weight.detach().numpy().T + enc.code_layer.bias.detach().numpy()
    np.testing.assert_allclose(model.pre_activations(x_BN).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_spatiotemporal_refuses_inputs_that_are_not_whole_channels():
    with pytest.raises(ConfigError, match=r"encoder_params.channels: input_size=241 is not a multiple of channels=6"):
        Autoencoder(
            ModelConfig(input_size=241, hidden_size=4, encoder="spatiotemporal", encoder_params={"channels": 6})
        )
    with pytest.raises(ConfigError, match=r"encoder_params.kernel: must be in \[1, samples per window=40\], got 41"):
        Autoencoder(
            ModelConfig(
                input_size=240, hidden_size=4, encoder="spatiotemporal", encoder_params={"channels": 6, "kernel": 41}
            )
        )


def test_tied_weights_are_refused_for_an_encoder_without_them():
    with pytest.raises(
        ConfigError, match=r"model.tied: encoder 'spatiotemporal' cannot tie its decoder; allowed with: dense"
    ):
        ModelConfig(hidden_size=4, encoder="spatiotemporal", encoder_params={"channels": 6}, tied=True)
