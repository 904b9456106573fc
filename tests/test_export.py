import errno
import json
import os
import sys

import numpy as np
import pytest
import torch

from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.trainer import Trainer
from constrae.errors import DataError, OutputError
from constrae.inference.onnx_backend import OnnxEncoder, export_onnx

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
        dict(
            activation="relu",
            encoder="spatiotemporal",
            encoder_params={"channels": 4, "virtual_channels": 2, "filters": 2, "kernel": 3, "stride": 2},
        ),
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
        with pytest.raises(OutputError, match="encoder.onnx: Permission denied"):
            export_onnx(model, folder / "encoder.onnx")
    finally:
        folder.chmod(0o755)
    assert list(folder.iterdir()) == []


def test_missing_onnxruntime_names_the_extra_to_install(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r'pip install "constrae\[onnx\]"'):
        OnnxEncoder(exported)


def saved_run(tmp_path, activation="sigmoid", hidden_size=6):
    from constrae.core.config import RunConfig
    from constrae.io.checkpoint import save_model

    model, _ = build(
        RunConfig(model=ModelConfig(input_size=N_FEATURES, hidden_size=hidden_size, activation=activation))
    )
    save_model(tmp_path / "run", RunConfig(model=model.config), model)
    return tmp_path / "run"


def overwrite_with_nan(model_file, tensor_name: str, count: int) -> None:
    """Put NaN into the first ``count`` float32 values of one tensor, keeping the header valid."""
    data = bytearray(model_file.read_bytes())
    header_length = int.from_bytes(data[:8], "little")
    begin, _ = json.loads(data[8 : 8 + header_length])[tensor_name]["data_offsets"]
    start = 8 + header_length + begin
    data[start : start + 4 * count] = np.full(count, np.nan, np.float32).tobytes()
    model_file.write_bytes(bytes(data))


@pytest.mark.parametrize("command", ["encode", "export"])
def test_nan_weights_are_refused_by_tensor_name_and_nothing_is_written(command, tmp_path):
    from typer.testing import CliRunner

    from constrae.cli import app

    run = saved_run(tmp_path)
    overwrite_with_nan(run / "model.safetensors", "encoder.weight", 12)
    np.save(tmp_path / "x.npy", np.zeros((2, N_FEATURES), np.float32))
    arguments = {
        "encode": ["encode", str(run), str(tmp_path / "x.npy"), "-o", str(tmp_path / "out.npy")],
        "export": ["export", str(run), "-o", str(tmp_path / "out.onnx"), "--int8"],
    }[command]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert "tensor 'encoder.weight' holds 12 NaN/inf values" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "x.npy"]


def test_export_that_onnx_runtime_gets_wrong_is_refused_and_leaves_no_file(tmp_path):
    from constrae.errors import CheckpointError
    from constrae.inference.verified_export import export_verified

    model, _ = build(RunConfig(model=ModelConfig(input_size=N_FEATURES, hidden_size=6, activation="sigmoid")))
    probe_BN = np.random.default_rng(0).random((4, N_FEATURES), dtype=np.float32)
    good_weight = model.encoder.weight.detach().clone()
    with torch.no_grad():
        model.encoder.weight[0, 0] = float("nan")  # torch and ONNX Runtime both give NaN: that is no agreement
    with pytest.raises(CheckpointError, match=r"encoder\.onnx: the model itself gives NaN/inf codes"):
        export_verified(model, tmp_path / "encoder.onnx", int8=True, probe_BN=probe_BN)
    assert list(tmp_path.iterdir()) == []
    with torch.no_grad():
        model.encoder.weight.copy_(good_weight)
    exported = export_verified(model, tmp_path / "encoder.onnx", int8=True, probe_BN=probe_BN)
    assert [f.path.name for f in exported] == ["encoder.onnx", "encoder.int8.onnx"]
    assert exported[0].error <= 1e-4 and sorted(p.name for p in tmp_path.iterdir()) == [
        "encoder.int8.onnx",
        "encoder.onnx",
    ]


def test_code_disagreement_counts_bits_kept_sets_and_nan():
    from constrae.inference.verified_export import code_disagreement

    expected = np.array([[0.0, 2.0, 1.0, 0.0]], np.float32)
    assert code_disagreement(expected + np.float32([[0, 0.02, 0, 0]]), expected, gated=False) == pytest.approx(0.01)
    assert code_disagreement(expected, expected[:, :3], gated=False) == float("inf")
    kept = np.array([[0.0, 2.0, 1.0, 1.5, 1.2]], np.float32)
    edge_swapped = np.array([[0.4, 2.01, 1.0, 1.5, 0.0]], np.float32)  # 3 of 4 kept units shared
    assert code_disagreement(edge_swapped, kept, gated=False) == pytest.approx(1.2 / 2.0)
    assert code_disagreement(edge_swapped, kept, gated=True) == pytest.approx(0.005)
    assert code_disagreement(kept / 100 + np.float32(0.001), kept / 100, gated=False) == pytest.approx(0.001)
    half_swapped = np.array([[0.4, 2.0, 0.0, 0.0, 1.2]], np.float32)  # 2 of 4 shared: too few
    assert code_disagreement(half_swapped, kept, gated=True) == float("inf")
    assert code_disagreement(np.full_like(expected, np.nan), expected, gated=False) == float("inf")
    bits = np.array([[1, 0, 1, 1]], np.uint8)
    assert code_disagreement(np.array([[1, 1, 1, 1]], np.uint8), bits, gated=False) == 0.25
