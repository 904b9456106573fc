"""Where a power encoder's projection starts: CSP from labelled windows equals the generalised
eigenproblem's solution and separates two classes' powers; a fixed projection stays fixed."""

import numpy as np
import pytest
import scipy.linalg
import torch

from constrae import RunConfig, Trainer, build
from constrae.core.config import ModelConfig, TrainConfig
from constrae.core.encoders.spatial_init import channel_covariance, csp_projection
from constrae.core.labels import UNLABELLED
from constrae.errors import ConfigError, DataError

CHANNELS, SAMPLES, VIRTUAL = 6, 50, 4


def two_class_windows(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(b, c, t) windows of mixed sources; class 0 has source 0 three times stronger, class 1 source 1."""
    rng = np.random.default_rng(seed)
    mixing_CC = rng.normal(size=(CHANNELS, CHANNELS))
    labels_B = np.arange(n) % 2
    sources_BCT = rng.normal(size=(n, CHANNELS, SAMPLES))
    sources_BCT[labels_B == 0, 0] *= 3.0
    sources_BCT[labels_B == 1, 1] *= 3.0
    windows_BCT = np.einsum("cd,bdt->bct", mixing_CC, sources_BCT)
    return torch.from_numpy(windows_BCT), torch.from_numpy(labels_B)


def test_csp_filters_solve_the_generalised_eigenproblem_farthest_from_one_half():
    """Three sources stronger in class 0, one much and one slightly stronger in class 1: the four
    most unequal power ratios are the three of class 0 and the strong one of class 1, not two of each."""
    rng = np.random.default_rng(0)
    labels_B = np.arange(400) % 2
    sources_BCT = rng.normal(size=(400, CHANNELS, SAMPLES))
    sources_BCT[np.ix_(labels_B == 0, [0, 2, 4])] *= 3.0
    sources_BCT[np.ix_(labels_B == 1, [1])] *= 3.0
    sources_BCT[np.ix_(labels_B == 1, [3])] *= 1.3
    windows_BCT = torch.from_numpy(np.einsum("cd,bdt->bct", rng.normal(size=(CHANNELS, CHANNELS)), sources_BCT))
    labels_B = torch.from_numpy(labels_B)
    S_VC = csp_projection(windows_BCT, labels_B, VIRTUAL).numpy()
    C0 = channel_covariance(windows_BCT[labels_B == 0]).numpy()
    C1 = channel_covariance(windows_BCT[labels_B == 1]).numpy()
    eigenvalues = scipy.linalg.eigh(C0, C0 + C1, eigvals_only=True)
    ends = np.sort(eigenvalues[np.argsort(-np.abs(eigenvalues - 0.5))[:VIRTUAL]])
    assert (ends > 0.5).sum() == 3, "the data has three ratios above one half among the four most unequal"
    ratios = np.einsum("vc,cd,vd->v", S_VC, C0, S_VC) / np.einsum("vc,cd,vd->v", S_VC, C0 + C1, S_VC)
    np.testing.assert_allclose(ratios, ends, rtol=1e-6)
    np.testing.assert_allclose(np.einsum("vc,cd,vd->v", S_VC, C0 + C1, S_VC), 1.0, rtol=1e-4)


def test_csp_log_powers_separate_the_classes_and_unlabelled_rows_change_nothing():
    windows_BCT, labels_B = two_class_windows(200)
    S_VC = csp_projection(windows_BCT, labels_B, VIRTUAL)
    log_power_BV = torch.log((torch.einsum("vc,bct->bvt", S_VC, windows_BCT) ** 2).mean(dim=2))
    # The first filter passes what class 1 has more of, the last what class 0 has more of.
    assert bool(log_power_BV[labels_B == 1, 0].mean() > log_power_BV[labels_B == 0, 0].mean() + 1.0)
    assert bool(log_power_BV[labels_B == 0, -1].mean() > log_power_BV[labels_B == 1, -1].mean() + 1.0)
    noise_BCT = torch.randn(50, CHANNELS, SAMPLES, dtype=torch.float64) * 10
    with_unlabelled = csp_projection(
        torch.cat([windows_BCT, noise_BCT]), torch.cat([labels_B, torch.full((50,), UNLABELLED)]), VIRTUAL
    )
    torch.testing.assert_close(with_unlabelled, S_VC)


def power_run(whitening: str, learn_spatial: bool = True, epochs: int = 2):
    config = RunConfig(
        model=ModelConfig(
            input_size=CHANNELS * SAMPLES,
            hidden_size=8,
            encoder="power",
            encoder_params={
                "channels": CHANNELS,
                "virtual_channels": VIRTUAL,
                "whitening": whitening,
                "learn_spatial": learn_spatial,
            },
        ),
        train=TrainConfig(epochs=epochs, batch_size=16, lr=1e-2, val_fraction=0.0),
    )
    model, objective = build(config)
    return model, Trainer(model, objective, config, progress=False)


def test_a_fixed_csp_projection_stays_as_initialised_while_the_code_layer_trains():
    windows_BCT, labels_B = two_class_windows(64)
    x_BN = windows_BCT.float().reshape(64, -1)
    model, trainer = power_run("csp", learn_spatial=False)
    code_layer_before = model.encoder.code_layer.weight.detach().clone()
    trainer.fit(x_BN, y_B=labels_B)
    expected_VC = csp_projection(windows_BCT.float(), labels_B, VIRTUAL).float()
    torch.testing.assert_close(model.encoder.spatial.weight.detach(), expected_VC)
    assert not torch.equal(model.encoder.code_layer.weight, code_layer_before)
    assert all(weight is not model.encoder.spatial.weight for weight in model.encoder.weight_matrices())


def test_a_learned_projection_moves():
    x_BN = two_class_windows(64)[0].float().reshape(64, -1)
    model, trainer = power_run("pca")
    trainer.model.encoder.initialise_from(x_BN)
    start_VC = model.encoder.spatial.weight.detach().clone()
    trainer.fit(x_BN)
    assert not torch.equal(model.encoder.spatial.weight, start_VC)


def test_csp_without_labels_or_with_one_class_is_refused_by_name():
    windows_BCT, labels_B = two_class_windows(64)
    x_BN = windows_BCT.float().reshape(64, -1)
    with pytest.raises(ConfigError, match=r"model.encoder_params.whitening: csp .* labelled windows"):
        power_run("csp")[1].fit(x_BN)
    with pytest.raises(DataError, match=r"exactly two classes; got \[0\]"):
        power_run("csp")[1].fit(x_BN, y_B=torch.where(labels_B == 1, UNLABELLED, labels_B))
    with pytest.raises(ConfigError, match=r"model.encoder_params.learn_spatial: expected true or false"):
        power_run("pca", learn_spatial="no")  # type: ignore[arg-type]
