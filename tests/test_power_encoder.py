"""The power encoder computes its docstring's formula, starts from the training windows'
whitening PCA, and reconstructs the channels' power statistics."""

import numpy as np
import pytest
import torch

from constrae import RunConfig, Trainer, build
from constrae.core.config import ModelConfig
from constrae.core.model import Autoencoder
from constrae.errors import ConfigError
from constrae.inference.numpy_from_torch import numpy_encoder
from constrae.io.checkpoint import load_model, save_model

CHANNELS, SAMPLES, VIRTUAL = 6, 50, 3


def power_model(correlations: bool = True, hidden_size: int = 5) -> Autoencoder:
    torch.manual_seed(0)
    params = {"channels": CHANNELS, "virtual_channels": VIRTUAL, "correlations": correlations}
    return Autoencoder(
        ModelConfig(input_size=CHANNELS * SAMPLES, hidden_size=hidden_size, encoder="power", encoder_params=params)
    )


def mixed_windows(n: int, seed: int = 0) -> torch.Tensor:
    """Windows of correlated channels with unequal powers, as EEG has."""
    rng = np.random.default_rng(seed)
    mixing_CC = rng.normal(size=(CHANNELS, CHANNELS)) * rng.uniform(0.2, 3.0, CHANNELS)
    return torch.from_numpy((mixing_CC @ rng.normal(size=(n, CHANNELS, SAMPLES))).reshape(n, -1).astype(np.float32))


def expected_pre_activations(model: Autoencoder, x_BN: torch.Tensor) -> np.ndarray:
    """The docstring's formula, written out loop by loop in float64."""
    enc = model.encoder
    S_VC = enc.spatial.weight.detach().double().numpy()
    rows = []
    for window_CT in x_BN.double().numpy().reshape(len(x_BN), CHANNELS, SAMPLES):
        y_VT = S_VC @ window_CT
        M_VV = y_VT @ y_VT.T / SAMPLES
        power = [M_VV[i, i] + 1e-6 for i in range(VIRTUAL)]
        features = [np.log(p) for p in power]
        if enc.correlations:
            features += [
                M_VV[i, j] / np.sqrt(power[i] * power[j]) for i in range(VIRTUAL) for j in range(i + 1, VIRTUAL)
            ]
        rows.append((np.array(features) - enc.feature_mean_F.numpy()) / enc.feature_scale_F.numpy())
    W_HF, b_H = enc.code_layer.weight.detach().double().numpy(), enc.code_layer.bias.detach().double().numpy()
    return np.array(rows) @ W_HF.T + b_H


@pytest.mark.parametrize("correlations", [True, False])
def test_pre_activations_follow_the_formula(correlations):
    model = power_model(correlations)
    x_BN = mixed_windows(32)
    model.encoder.initialise_from(x_BN)
    with torch.no_grad():
        pre_BH = model.pre_activations(x_BN[:7]).numpy()
    np.testing.assert_allclose(pre_BH, expected_pre_activations(model, x_BN[:7]), rtol=1e-4, atol=1e-4)
    assert model.encoder.n_features == VIRTUAL + (VIRTUAL * (VIRTUAL - 1) // 2 if correlations else 0)


def test_initialisation_whitens_the_top_components_and_standardises_the_features():
    model = power_model()
    x_BN = mixed_windows(200)
    model.encoder.initialise_from(x_BN)
    with torch.no_grad():
        mean_moments_VV = model.encoder.virtual_moments(x_BN).double().mean(dim=0).numpy()
        features_BF = model.encoder.features(x_BN).double().numpy()
    np.testing.assert_allclose(mean_moments_VV, np.eye(VIRTUAL), atol=1e-4)
    np.testing.assert_allclose(features_BF.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(features_BF.std(axis=0, ddof=1), 1, atol=1e-3)
    # The top eigenvectors: the projection keeps the most powerful directions of the channel covariance.
    X_BCT = x_BN.double().numpy().reshape(-1, CHANNELS, SAMPLES)
    covariance_CC = np.einsum("bct,bdt->cd", X_BCT, X_BCT) / (len(X_BCT) * SAMPLES)
    top_CV = np.linalg.eigh(covariance_CC)[1][:, ::-1][:, :VIRTUAL]
    S_VC = model.encoder.spatial.weight.detach().double().numpy()
    residual = S_VC - (S_VC @ top_CV) @ top_CV.T
    assert np.abs(residual).max() < 1e-4 * np.abs(S_VC).max()


def test_zca_whitening_keeps_each_virtual_channel_on_its_electrode():
    model = Autoencoder(
        ModelConfig(
            input_size=CHANNELS * SAMPLES,
            hidden_size=4,
            encoder="power",
            encoder_params={"channels": CHANNELS, "virtual_channels": CHANNELS, "whitening": "zca"},
        )
    )
    x_BN = mixed_windows(300)
    model.encoder.initialise_from(x_BN)
    S_CC = model.encoder.spatial.weight.detach().double().numpy()
    X_BCT = x_BN.double().numpy().reshape(-1, CHANNELS, SAMPLES)
    covariance_CC = np.einsum("bct,bdt->cd", X_BCT, X_BCT) / (len(X_BCT) * SAMPLES)
    # C^-1/2: symmetric, and it whitens.
    np.testing.assert_allclose(S_CC, S_CC.T, atol=1e-5 * np.abs(S_CC).max())
    np.testing.assert_allclose(S_CC @ covariance_CC @ S_CC.T, np.eye(CHANNELS), atol=1e-4)


def test_initialisation_happens_once_and_survives_a_checkpoint(tmp_path):
    config = RunConfig.from_mapping(
        {
            "model": {
                "input_size": CHANNELS * SAMPLES,
                "hidden_size": 5,
                "encoder": "power",
                "encoder_params": {"channels": CHANNELS, "virtual_channels": VIRTUAL},
            },
            "train": {"epochs": 2, "batch_size": 16, "val_fraction": 0.0},
        }
    )
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(mixed_windows(64))
    assert bool(model.encoder.initialised)
    trained_S = model.encoder.spatial.weight.detach().clone()
    model.encoder.initialise_from(mixed_windows(64, seed=1))
    torch.testing.assert_close(model.encoder.spatial.weight.detach(), trained_S)
    save_model(tmp_path / "run", config, model)
    loaded, _ = load_model(tmp_path / "run")
    assert bool(loaded.encoder.initialised)
    loaded.encoder.initialise_from(mixed_windows(64, seed=2))
    torch.testing.assert_close(loaded.encoder.spatial.weight.detach(), trained_S)


def test_the_decoder_reconstructs_every_channels_power_statistics():
    without_correlations = power_model(correlations=False)
    x_BN = mixed_windows(4)
    assert without_correlations(x_BN).reconstruction_BN.shape == (4, CHANNELS)
    assert without_correlations.reconstruction_target(x_BN).shape == (4, CHANNELS)
    model = power_model()
    target_BM = model.reconstruction_target(x_BN).numpy()
    assert target_BM.shape == (4, CHANNELS + CHANNELS * (CHANNELS - 1) // 2)
    window_CT = x_BN[0].double().numpy().reshape(CHANNELS, SAMPLES)
    M_CC = window_CT @ window_CT.T / SAMPLES
    np.testing.assert_allclose(target_BM[0, :CHANNELS], np.log(np.diag(M_CC) + 1e-6), rtol=1e-5)
    np.testing.assert_allclose(target_BM[0, CHANNELS], M_CC[0, 1] / np.sqrt(M_CC[0, 0] * M_CC[1, 1]), rtol=1e-4)
    assert model(x_BN).reconstruction_BN.shape == target_BM.shape


def test_reconstruction_falls_while_training():
    config = RunConfig.from_mapping(
        {
            "model": {
                "input_size": CHANNELS * SAMPLES,
                "hidden_size": 8,
                "encoder": "power",
                "encoder_params": {"channels": CHANNELS, "virtual_channels": 4},
            },
            "train": {"epochs": 30, "batch_size": 32, "val_fraction": 0.0, "lr": 1e-2},
        }
    )
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False).fit(mixed_windows(256))
    assert history[-1]["train/reconstruction"] < 0.5 * history[0]["train/reconstruction"]


@pytest.mark.parametrize("correlations", [True, False])
def test_numpy_path_takes_raw_windows_and_equals_torch(correlations):
    model = power_model(correlations)
    x_BN = mixed_windows(40)
    model.encoder.initialise_from(x_BN)
    rng = np.random.default_rng(3)
    mean_C, std_C = rng.normal(0, 5, CHANNELS), rng.uniform(0.5, 4, CHANNELS)
    raw_BN = x_BN.numpy() * np.repeat(std_C, SAMPLES) + np.repeat(mean_C, SAMPLES)
    encode = numpy_encoder(model, channel_mean=mean_C, channel_std=std_C)
    with torch.no_grad():
        expected_BH = model.encode(x_BN).numpy()
    np.testing.assert_allclose(encode(raw_BN.astype(np.float32)), expected_BH, atol=1e-4)
    np.testing.assert_allclose(encode(raw_BN[:1].astype(np.float32)), expected_BH[:1], atol=1e-4)


def test_configuration_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"encoder_params.virtual_channels: must be in \[1, channels=6\], got 7"):
        Autoencoder(
            ModelConfig(
                input_size=CHANNELS * SAMPLES,
                encoder="power",
                encoder_params={"channels": CHANNELS, "virtual_channels": 7},
            )
        )
    with pytest.raises(ConfigError, match=r"whitening: zca keeps every channel: it needs virtual_channels = channels"):
        Autoencoder(
            ModelConfig(
                input_size=CHANNELS * SAMPLES,
                encoder="power",
                encoder_params={"channels": CHANNELS, "virtual_channels": 3, "whitening": "zca"},
            )
        )
    with pytest.raises(ConfigError, match="loss: cross_entropy needs an encoder that reconstructs its input"):
        RunConfig.from_mapping(
            {
                "model": {"encoder": "power", "encoder_params": {"channels": 6}, "decoder_output": "sigmoid"},
                "loss": "cross_entropy",
            }
        )
