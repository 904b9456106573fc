"""Helpers for the campaign tests: a tiny search space and real worker processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import yaml

from constrae.tune.storage import WORKER_ATTR, open_storage
from constrae.tune.worker import CONFIG_ATTR

TINY_SPACE = {
    "objectives": ["fvu", "latency_us"],
    "limits": {"l0": 64},
    "base": {
        "data": {"source": "shapes", "n_samples": 240},
        "train": {"epochs": 12, "batch_size": 32, "val_fraction": 0.25, "seed": 1},
    },
    "params": {
        "model.hidden_size": {"type": "int", "low": 8, "high": 48, "log": True},
        "model.activation": {"type": "categorical", "choices": ["sigmoid", "relu"]},
        "train.lr": {"type": "float", "low": 1e-3, "high": 3e-2, "log": True},
    },
    "constraints": [
        {
            "name": "kl_sparsity",
            "when": {"model.activation": "sigmoid"},
            "params": {
                "rho": {"type": "float", "low": 0.02, "high": 0.3},
                "beta": {"type": "float", "low": 0.1, "high": 3},
            },
        },
        {
            "name": "l1_codes",
            "when": {"model.activation": "relu"},
            "params": {"lam": {"type": "float", "low": 1e-5, "high": 1e-2, "log": True}},
        },
        {"name": "weight_decay", "params": {"lam": {"type": "float", "low": 1e-6, "high": 1e-3, "log": True}}},
    ],
}


def write_space(folder: Path, **overrides) -> Path:
    path = folder / "space.yaml"
    path.write_text(yaml.safe_dump({**TINY_SPACE, **overrides}))
    return path


def tune_command(space: Path, study: str, storage: str, trials: int) -> list[str]:
    """``constrae tune SPACE --study --storage --trials`` as this interpreter runs it."""
    options = ["--study", study, "--storage", storage, "--trials", str(trials)]
    return [sys.executable, "-m", "constrae.cli", "tune", str(space), *options]


def start_worker(space: Path, study: str, storage: str, trials: int, log: Path) -> subprocess.Popen:
    """``constrae tune SPACE --study --storage --trials`` in a new process, one thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = tune_command(space, study, storage, trials)
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)


def trials_of(study: str, storage: str):
    return optuna.load_study(study_name=study, storage=open_storage(storage)).get_trials(deepcopy=False)


def kill_mid_trial(victim: subprocess.Popen, study: str, storage: str, timeout_s: float = 120) -> int:
    """SIGKILL ``victim`` as soon as one of its trials has drawn all its parameters (and so trains);
    the number of that trial, still RUNNING."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            running = [
                t.number
                for t in trials_of(study, storage)
                if t.state == optuna.trial.TrialState.RUNNING
                and str(t.user_attrs.get(WORKER_ATTR, "")).endswith(f":{victim.pid}")
                and CONFIG_ATTR in t.user_attrs
            ]
        except KeyError:  # the study is not created yet
            running = []
        if running:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            (still_running,) = [t for t in trials_of(study, storage) if t.number == running[0]]
            assert still_running.state == optuna.trial.TrialState.RUNNING, "the trial ended before the kill"
            return running[0]
        assert victim.poll() is None, "the worker to kill ended before it ran a trial"
        time.sleep(0.1)
    raise AssertionError(f"no trial of worker {victim.pid} was running within {timeout_s} s")


def retried_from(trial) -> int | None:
    """The number of the failed trial that ``trial`` retries, if any."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)


def wait_all(workers: list[subprocess.Popen], logs: list[Path], timeout_s: float = 300) -> None:
    for worker, log in zip(workers, logs):
        try:
            code = worker.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise AssertionError(f"worker {worker.pid} did not finish in {timeout_s} s:\n{log.read_text()}") from None
        assert code == 0, f"worker exited with {code}:\n{log.read_text()}"
