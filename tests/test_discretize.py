"""Phase 2 (``constrae discretize``): a phase-1 run becomes a binary run folder that every
command and inference path reads; bad input leaves nothing behind."""

import json

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from constrae import load_config
from constrae.cli import app
from constrae.core.config import RunConfig
from constrae.data import read_recording
from constrae.data.loading import load_training_data
from constrae.discrete.phase2 import Phase2Config, discretize
from constrae.inference.extractor import FeatureExtractor
from constrae.io.checkpoint import load_model
from constrae.io.run import start_run
from constrae.io.run_folder import load_preprocessing, read_metrics

runner = CliRunner()

SHAPES = {
    "model": {"hidden_size": 16, "activation": "sigmoid", "decoder_output": "sigmoid"},
    "constraints": [{"name": "weight_decay", "lam": 1e-4}],
    "train": {"epochs": 2, "lr": 1e-2, "batch_size": 32, "val_fraction": 0.2},
    "data": {"source": "shapes", "n_samples": 120, "seed": 0},
}


@pytest.fixture(scope="module")
def shapes_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("phase1") / "shapes"
    start_run(RunConfig.from_mapping(SHAPES), run_dir, progress=False)
    return run_dir


def test_discretize_writes_a_binary_run_that_info_encode_and_export_read(shapes_run, tmp_path):
    phase2 = {
        "anneal_epochs": 2,
        "finetune_epochs": 1,
        "constraints": [{"name": "logic_rules", "rules": ["exclusive(u0, u1)"], "lam": 0.5}],
    }
    (tmp_path / "phase2.yaml").write_text(yaml.safe_dump(phase2))
    out = tmp_path / "binary"
    result = runner.invoke(
        app, ["discretize", str(shapes_run), "--out", str(out), "--config", str(tmp_path / "phase2.yaml")]
    )
    assert result.exit_code == 0, result.output
    model, config = load_model(out)
    assert config.model.activation == "binary" and config.model.activation_params["anneal_epochs"] == 0
    history = read_metrics(out)
    assert [r["phase2_stage"] for r in history] == [1, 1, 2]
    assert "val/logic_rules/violation_rate" in history[-1]
    assert json.loads((out / "discretize.json").read_text())["phase2"]["anneal_epochs"] == 2
    assert runner.invoke(app, ["info", str(out)]).exit_code == 0
    X = load_training_data(config.data).X[:10]
    np.save(tmp_path / "x.npy", X)
    assert (
        runner.invoke(app, ["encode", str(out), str(tmp_path / "x.npy"), "-o", str(tmp_path / "bits.npy")]).exit_code
        == 0
    )
    bits = np.load(tmp_path / "bits.npy")
    with torch.no_grad():
        pre = model.pre_activations(torch.from_numpy(X)).numpy()
    assert bits.dtype == np.uint8 and np.array_equal(bits, (pre >= 0).astype(np.uint8))
    exported = runner.invoke(app, ["export", str(out), "-o", str(tmp_path / "bits.onnx")])
    assert exported.exit_code == 0 and "max |onnx - torch| 0.00e+00" in exported.output


def test_fine_tuning_the_decoder_alone_keeps_the_encoder_weights(shapes_run):
    phase1_model, phase1 = load_model(shapes_run)
    X = load_training_data(phase1.data).X
    result = discretize(phase1_model, phase1, X, Phase2Config(anneal_epochs=0, finetune_epochs=2, lr=1e-2))
    before, after = phase1_model.state_dict(), result.model.state_dict()
    for name in before:
        assert torch.equal(before[name], after[name]) == name.startswith("encoder."), name


def test_bad_phase2_config_or_existing_output_writes_nothing(shapes_run, tmp_path):
    (tmp_path / "bad.yaml").write_text("anneal_epochs: 2\nsurogate: identity\n")
    out = tmp_path / "binary"
    result = runner.invoke(
        app, ["discretize", str(shapes_run), "--out", str(out), "--config", str(tmp_path / "bad.yaml")]
    )
    assert result.exit_code == 2 and "unknown key 'surogate'" in result.output
    rules = {"constraints": [{"name": "logic_rules", "rules": ["implies(u1, u40)"]}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    result = runner.invoke(
        app, ["discretize", str(shapes_run), "--out", str(out), "--config", str(tmp_path / "rules.yaml")]
    )
    assert result.exit_code == 2 and "unit u40 does not exist" in result.output
    assert not out.exists() and list(tmp_path.glob(".binary*")) == []
    result = runner.invoke(app, ["discretize", str(shapes_run), "--out", str(shapes_run)])
    assert result.exit_code == 2 and "already exists" in result.output


@pytest.mark.slow
def test_discretize_an_eeg_run_keeps_its_preprocessing_and_gives_bits(shared_data, tmp_path):
    s001 = shared_data / "eegmmidb" / "S001"
    mapping = {
        "model": {"hidden_size": 8, "activation": "sigmoid"},
        "train": {"epochs": 2, "batch_size": 32, "lr": 0.003},
        "data": {
            "source": "eeg",
            "paths": [str(s001 / "S001R04.edf"), str(s001 / "S001R08.edf")],
            "eeg": {
                "window_seconds": 0.5,
                "hop_seconds": 0.5,
                "channels": ["C3", "Cz", "C4", "Fz"],
                "representation": "tangent_space",
            },
        },
    }
    (tmp_path / "eeg.yaml").write_text(yaml.safe_dump(mapping))
    start_run(load_config(tmp_path / "eeg.yaml"), tmp_path / "p1", progress=False)
    phase2 = {
        "anneal_epochs": 1,
        "finetune_epochs": 1,
        "constraints": [{"name": "visibility_graph", "lam": 0.1, "max_lag": 3}],
    }
    (tmp_path / "phase2.yaml").write_text(yaml.safe_dump(phase2))
    result = runner.invoke(
        app,
        ["discretize", str(tmp_path / "p1"), "--out", str(tmp_path / "p2"), "--config", str(tmp_path / "phase2.yaml")],
    )
    assert result.exit_code == 0, result.output
    assert load_preprocessing(tmp_path / "p2").to_mapping() == load_preprocessing(tmp_path / "p1").to_mapping()
    bits = FeatureExtractor.load(tmp_path / "p2").transform_recording(read_recording(s001 / "S001R04.edf"))
    assert bits.dtype == np.uint8 and set(np.unique(bits)) <= {0, 1}
    assert "val/visibility_graph/edge_code_distance" in read_metrics(tmp_path / "p2")[-1]


def test_frozen_encoder_weights_leave_only_the_offsets_to_learn(shapes_run):
    phase1_model, phase1 = load_model(shapes_run)
    X = load_training_data(phase1.data).X
    phase2 = Phase2Config(
        anneal_epochs=1,
        finetune_epochs=1,
        finetune_encoder=True,
        learn_threshold=True,
        train_encoder_weights=False,
        lr=1e-2,
    )
    model = discretize(phase1_model, phase1, X, phase2).model
    assert torch.equal(model.encoder.weight, phase1_model.encoder.weight)
    assert not torch.equal(model.encoder.bias, phase1_model.encoder.bias)
    assert model.activation.threshold_H.abs().min() > 0
