import errno
import os
import sys

import numpy as np
import pytest
import torch

from constrae.checkpoint import build
from constrae.config import ModelConfig, RunConfig, TrainConfig
from constrae.errors import DataError
from constrae.export import OnnxEncoder, export_onnx
from constrae.trainer import Trainer

N_FEATURES, N_HIDDEN = 20, 12

# Together these cover every activation, every encoder, the locality gate,
# unit_norm_decoder on the decoder and (tied) on the encoder, and tied weights.
VARIANTS = {
    "sigmoid-kl": (dict(activation="sigmoid"), [{"name": "kl_sparsity", "rho": 0.05, "beta": 3}]),
    "tanh-tied": (dict(activation="tanh", tied=True), []),
    "relu-tied-unit_norm": (dict(activation="relu", tied=True), [{"name": "unit_norm_decoder"}]),
    "topk": (dict(activation="topk", activation_params={"k": 4}), []),
    "sigmoid-locality-unit_norm": (
        dict(activation="sigmoid"),
        [{"name": "locality", "k": 5}, {"name": "unit_norm_decoder"}],
    ),
    "spatiotemporal-relu-locality": (
        dict(activation="relu", encoder="spatiotemporal",
             encoder_params={"channels": 4, "virtual_channels": 2, "filters": 2, "kernel": 3, "stride": 2}),
        [{"name": "locality", "k": 5}],
    ),
    # Recurrent (DrSAE) and stochastic (VAE) encoders: the export is the deterministic mean path.
    "lista-relu": (dict(encoder="lista", encoder_params={"steps": 3}, activation="relu"), []),
    "gaussian-linear": (
        dict(encoder="gaussian", encoder_params={"trunk_size": 8}, activation="linear"),
        [{"name": "gaussian_kl", "beta": 1.0}],
    ),
}


def trained_model(model_params: dict, constraints: list[dict]):
    """A small model trained a few epochs, so its weights are no longer at their initial values."""
    config = RunConfig(
        model=ModelConfig(input_size=N_FEATURES, hidden_size=N_HIDDEN, **model_params),
        constraints=constraints,
        train=TrainConfig(epochs=3, batch_size=16, lr=1e-2, val_fraction=0.0),
    )
    model, objective = build(config)
    X_BN = torch.rand(96, N_FEATURES, generator=torch.Generator().manual_seed(1))
    Trainer(model, objective, config, progress=False).fit(X_BN)
    return model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One exported model, shared by the tests that need any."""
    model = trained_model(*VARIANTS["sigmoid-kl"])
    return export_onnx(model, tmp_path_factory.mktemp("onnx") / "encoder.onnx")


@pytest.mark.parametrize("variant", VARIANTS)
def test_onnx_runtime_codes_match_torch_for_any_batch_size(variant, tmp_path):
    model = trained_model(*VARIANTS[variant])
    path = export_onnx(model, tmp_path / "encoder.onnx")
    assert path == tmp_path / "encoder.onnx"
    encode = OnnxEncoder(path)
    rng = np.random.default_rng(0)
    for n_rows in (7, 1):
        x_BN = rng.random((n_rows, N_FEATURES), dtype=np.float32)
        with torch.no_grad():
            torch_codes_BH = model.encode(torch.from_numpy(x_BN)).numpy()
        ort_codes_BH = encode(x_BN)
        assert ort_codes_BH.dtype == np.float32 and ort_codes_BH.shape == (n_rows, N_HIDDEN)
        np.testing.assert_allclose(ort_codes_BH, torch_codes_BH, atol=1e-5)


def test_wrong_feature_count_names_expected_and_actual(exported):
    with pytest.raises(DataError, match=f"has {N_FEATURES + 1} features, the model expects {N_FEATURES}"):
        OnnxEncoder(exported)(np.zeros((3, N_FEATURES + 1), dtype=np.float32))


def test_export_into_read_only_directory_raises_and_leaves_no_file(tmp_path, monkeypatch):
    model = trained_model(*VARIANTS["tanh-tied"])
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        # Root ignores mode bits: refuse the final rename as the kernel refuses anyone else,
        # which also checks that the temporary file written before it is removed.
        def refuse(src, dst):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))

        monkeypatch.setattr(os, "replace", refuse)
    try:
        with pytest.raises(PermissionError):
            export_onnx(model, folder / "encoder.onnx")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_missing_onnxruntime_names_the_extra_to_install(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r'pip install "constrae\[onnx\]"'):
        OnnxEncoder(exported)
