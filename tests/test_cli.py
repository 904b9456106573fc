"""The command line: train, encode, info, plot, and what it does with bad input."""

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from constrae.cli import app

runner = CliRunner()

TINY = {
    "model": {"hidden_size": 16},
    "constraints": [{"name": "kl_sparsity", "rho": 0.05, "beta": 3}, {"name": "weight_decay", "lam": 1e-4}],
    "train": {"epochs": 3, "lr": 1e-2, "batch_size": 32},
    "data": {"source": "shapes", "n_samples": 120},
}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    result = invoke("train", config, "--out", folder / "run", "--no-progress")
    assert result.exit_code == 0, result.output
    return folder, result


def test_train_prints_metrics_and_writes_the_run_folder_and_figures(trained):
    folder, result = trained
    for label in ("MSE", "rho_hat mean", "L0"):
        assert label in result.output
    run = folder / "run"
    for name in ("config.json", "model.safetensors", "trainer_state.safetensors", "metrics.jsonl", "summary.json"):
        assert (run / name).is_file(), name
    for figure in ("weights.png", "loss_curves.png", "rho_hat.png"):
        assert (run / "figures" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_encode_writes_codes_of_every_row(trained, tmp_path):
    folder, _ = trained
    X = np.random.default_rng(0).random((7, 900), dtype=np.float32)
    np.save(tmp_path / "x.npy", X)
    result = invoke("encode", folder / "run", tmp_path / "x.npy", "-o", tmp_path / "codes.npy")
    assert result.exit_code == 0, result.output
    codes = np.load(tmp_path / "codes.npy")
    assert codes.shape == (7, 16) and ((codes > 0) & (codes < 1)).all()


def test_info_and_plot(trained):
    folder, _ = trained
    result = invoke("info", folder / "run")
    assert result.exit_code == 0
    assert "900 -> 16 sigmoid" in result.output and "kl_sparsity" in result.output and "3 of 3 epochs" in result.output
    result = invoke("plot", folder / "run")
    assert result.exit_code == 0 and "weights.png" in result.output


def test_export_writes_an_onnx_encoder_that_matches_torch(trained, tmp_path):
    from constrae.inference.onnx_backend import OnnxEncoder

    folder, _ = trained
    result = invoke("export", folder / "run", "-o", tmp_path / "encoder.onnx")
    assert result.exit_code == 0, result.output
    error = float(result.output.split("max |onnx - torch| ")[1])
    assert error < 1e-5
    assert OnnxEncoder(tmp_path / "encoder.onnx")(np.zeros((3, 900), dtype=np.float32)).shape == (3, 16)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.full((3, 900), np.nan, dtype=np.float32), "x.npy: 2700 NaN/inf values, the first at row 0, column 0"),
        (np.ones((3, 899), dtype=np.float32), "x.npy: has 899 features, the model expects 900"),
        (np.ones((0, 900), dtype=np.float32), "x.npy: empty data, shape (0, 900)"),
        (np.ones(900, dtype=np.float32), "x.npy: expected a 2-D (samples, features) array, got shape (900,)"),
    ],
)
def test_encode_rejects_bad_input_and_writes_nothing(trained, tmp_path, array, message):
    folder, _ = trained
    np.save(tmp_path / "x.npy", array)
    result = invoke("encode", folder / "run", tmp_path / "x.npy", "-o", tmp_path / "codes.npy")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert not list(tmp_path.glob("codes*")) and not list(tmp_path.glob(".codes*"))


def test_encode_refuses_a_truncated_model(trained, tmp_path):
    folder, _ = trained
    broken = tmp_path / "run"
    broken.mkdir()
    for name in ("config.json", "model.safetensors"):
        data = (folder / "run" / name).read_bytes()
        (broken / name).write_bytes(data if name == "config.json" else data[:100])
    np.save(tmp_path / "x.npy", np.ones((2, 900), dtype=np.float32))
    result = invoke("encode", broken, tmp_path / "x.npy", "-o", tmp_path / "codes.npy")
    assert result.exit_code == 2 and "model.safetensors is not a readable safetensors file" in result.stderr
    assert not (tmp_path / "codes.npy").exists()


def test_bad_config_and_bad_data_fail_before_any_file_is_written(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({**TINY, "train": {"epochz": 3}}))
    result = invoke("train", config, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "unknown key 'epochz'" in result.stderr
    bad_data = tmp_path / "nan.npy"
    X = np.ones((20, 5), dtype=np.float32)
    X[4, 2] = np.inf
    np.save(bad_data, X)
    config.write_text(yaml.safe_dump({**TINY, "data": {"source": "npy", "path": "nan.npy"}}))
    result = invoke("train", config, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "nan.npy: 1 NaN/inf values, the first at row 4, column 2" in result.stderr
    assert not (tmp_path / "run").exists()


def test_train_refuses_to_overwrite_a_run(trained):
    folder, _ = trained
    result = invoke("train", folder / "tiny.yaml", "--out", folder / "run")
    assert result.exit_code == 2 and "already holds a run; resume it with `constrae resume" in result.stderr


def test_version_is_the_installed_distributions():
    from importlib.metadata import version

    import constrae

    result = invoke("--version")
    assert result.exit_code == 0 and result.output == f"constrae {version('constrae')}\n"
    assert constrae.__version__ == version("constrae")
