"""Training: reproducible, resumable after kill -9, L-BFGS, early stopping, divergence."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml
from safetensors.torch import load_file

from constrae import RunConfig, Trainer, build
from constrae.core.trainer import TrainingDiverged
from constrae.io.run_folder import METRICS_FILE, MODEL_FILE, read_metrics

SMALL = {
    "model": {"hidden_size": 16, "activation": "sigmoid"},
    "constraints": [
        {"name": "kl_sparsity", "rho": 0.1, "beta": 1, "running": True},
        {"name": "denoising", "q": 0.2},
        {"name": "weight_decay", "lam": 1e-4},
    ],
    "train": {"epochs": 6, "batch_size": 32, "lr": 1e-2, "val_fraction": 0.2, "seed": 3},
    "data": {"source": "shapes", "n_samples": 200},
}


def train_small(tmp_path, name, **train):
    mapping = {**SMALL, "train": {**SMALL["train"], **train}}
    config = RunConfig.from_mapping(mapping)
    from constrae.io.run import start_run

    start_run(config, tmp_path / name, progress=False)
    return load_file(tmp_path / name / MODEL_FILE)


def test_same_seed_gives_identical_weights_and_another_seed_does_not(tmp_path):
    first, second = train_small(tmp_path, "a"), train_small(tmp_path, "b")
    assert all(torch.equal(first[k], second[k]) for k in first)
    other = train_small(tmp_path, "c", seed=4)
    assert not torch.equal(first["encoder.weight"], other["encoder.weight"])


def test_the_default_job_is_reproducible(tmp_path):
    from dataclasses import replace
    from pathlib import Path

    from constrae import load_config
    from constrae.io.run import start_run

    config = load_config(Path(__file__).resolve().parents[1] / "examples" / "shapes_sparse.yaml")
    config = replace(config, train=replace(config.train, epochs=2))
    for name in ("first", "second"):
        start_run(config, tmp_path / name, progress=False)
    first, second = (load_file(tmp_path / name / MODEL_FILE) for name in ("first", "second"))
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_every_loss_term_and_metric_is_logged_per_epoch(tmp_path):
    train_small(tmp_path, "run", epochs=3)
    history = read_metrics(tmp_path / "run")
    assert [r["epoch"] for r in history] == [0, 1, 2]
    for split in ("train", "val"):
        for term in ("loss", "reconstruction", "kl_sparsity", "weight_decay"):
            assert f"{split}/{term}" in history[-1]
    for metric in ("mse", "fvu", "l0", "mean_rho_hat", "dead_fraction"):
        assert f"val/{metric}" in history[-1]
    assert history[-1]["train/loss"] < history[0]["train/loss"]


def cli(*args, **kwargs):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "constrae.cli", *args], env=env, **kwargs)


@pytest.mark.slow
def test_kill_9_then_resume_ends_with_the_uninterrupted_weights(tmp_path):
    mapping = {**SMALL, "train": {**SMALL["train"], "epochs": 40}}
    config_path = tmp_path / "run.yaml"
    config_path.write_text(yaml.safe_dump(mapping))
    common = ["--no-plots", "--no-progress"]

    assert cli("train", str(config_path), "--out", str(tmp_path / "whole"), *common).wait() == 0

    interrupted = cli("train", str(config_path), "--out", str(tmp_path / "cut"), *common)
    metrics = tmp_path / "cut" / METRICS_FILE
    deadline = time.monotonic() + 120
    while not (metrics.exists() and len(metrics.read_text().splitlines()) >= 5):
        assert interrupted.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    interrupted.send_signal(signal.SIGKILL)
    interrupted.wait()
    done = len(read_metrics(tmp_path / "cut"))
    assert 5 <= done < 40

    assert cli("resume", str(tmp_path / "cut"), *common).wait() == 0
    whole, resumed = load_file(tmp_path / "whole" / MODEL_FILE), load_file(tmp_path / "cut" / MODEL_FILE)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)
    assert len(read_metrics(tmp_path / "cut")) == 40
    assert not list((tmp_path / "cut").glob(".*.tmp"))


def test_lbfgs_full_batch_reduces_the_loss():
    config = RunConfig.from_mapping(
        {
            "model": {"input_size": 30, "hidden_size": 10},
            "constraints": [{"name": "kl_sparsity", "rho": 0.05, "beta": 3}],
            "train": {"optimizer": "lbfgs", "lr": 1.0, "epochs": 4, "lbfgs_iterations": 10, "val_fraction": 0},
        }
    )
    model, objective = build(config)
    X = torch.rand(100, 30)
    with torch.no_grad():
        initial = objective(model, X).total.item()
    history = Trainer(model, objective, config, progress=False).fit(X)
    assert history[-1]["train/loss"] < 0.5 * initial
    assert history[-1]["train/loss"] < history[0]["train/loss"]


def test_early_stopping_stops_when_validation_stalls():
    config = RunConfig.from_mapping(
        {
            "model": {"input_size": 8, "hidden_size": 4},
            "train": {"epochs": 200, "patience": 2, "lr": 0.05, "val_fraction": 0.5},
        }
    )
    model, objective = build(config)
    torch.manual_seed(0)
    history = Trainer(model, objective, config, progress=False).fit(torch.randn(40, 8))
    assert len(history) < 200
    best = min(r["val/loss"] for r in history)
    assert all(r["val/loss"] >= best for r in history[-2:])


def test_divergence_raises_a_named_error():
    config = RunConfig.from_mapping(
        {"model": {"input_size": 8, "hidden_size": 4, "activation": "relu"}, "train": {"optimizer": "sgd", "lr": 1e6}}
    )
    model, objective = build(config)
    with pytest.raises(TrainingDiverged, match="training loss is not finite.*lower train.lr"):
        Trainer(model, objective, config, progress=False).fit(torch.randn(64, 8) * 100)


def test_on_epoch_sees_each_saved_record_and_changes_no_weight_and_can_stop_training():
    config = RunConfig.from_mapping(
        {**SMALL, "data": {"source": "shapes"}, "model": {**SMALL["model"], "input_size": 900}}
    )
    from constrae.data.datasets.shapes import make_shapes

    X = torch.from_numpy(make_shapes(120, seed=0)[0])
    plain_model, objective = build(config)
    plain = Trainer(plain_model, objective, config, progress=False).fit(X)
    seen = []
    hooked_model, objective = build(config)
    hooked = Trainer(hooked_model, objective, config, progress=False, on_epoch=seen.append).fit(X)
    assert seen == hooked and len(seen) == config.train.epochs
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in plain] == [
        {k: v for k, v in r.items() if k != "seconds"} for r in hooked
    ]
    assert all(torch.equal(a, b) for a, b in zip(plain_model.state_dict().values(), hooked_model.state_dict().values()))

    class Stop(Exception):
        pass

    def stop_after_second(record):
        if record["epoch"] == 1:
            raise Stop

    stopped_model, objective = build(config)
    trainer = Trainer(stopped_model, objective, config, progress=False, on_epoch=stop_after_second)
    with pytest.raises(Stop):
        trainer.fit(X)
    assert trainer.state["epoch"] == 2
