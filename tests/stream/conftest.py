"""Fixtures of the streaming tests: small EEG runs on S001, and liblsl kept to this machine."""

import os

import pytest
import yaml

from constrae import load_config
from constrae.io.run import start_run
from small_runs import train_tangent_run

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]
"""A subset of the 64 recorded channels: the stream must be read by channel name."""

LSL_CONFIG = """\
[multicast]
ResolveScope = machine
KnownPeers = {127.0.0.1}
[log]
level = -2
"""


@pytest.fixture(scope="session", autouse=True)
def lsl_on_this_machine(tmp_path_factory):
    """Discovery on loopback only, set before any LSL call (liblsl reads it once per process;
    subprocesses inherit it)."""
    path = tmp_path_factory.mktemp("lsl") / "lsl_api.cfg"
    path.write_text(LSL_CONFIG)
    previous = os.environ.get("LSLAPICFG")
    os.environ["LSLAPICFG"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("LSLAPICFG", None)
    else:
        os.environ["LSLAPICFG"] = previous


def _train(tmp_path_factory, shared_data, name: str, model: dict, eeg: dict):
    folder = tmp_path_factory.mktemp(name)
    mapping = {
        "model": model,
        "constraints": [{"name": "l1_codes", "lam": 0.01}],
        "train": {"epochs": 2, "batch_size": 32, "lr": 0.003},
        "data": {
            "source": "eeg",
            "paths": [str(shared_data / "eegmmidb" / "S001" / "S001R04.edf")],
            "n_samples": 200,
            "eeg": {"window_seconds": 0.5, "hop_seconds": 0.25, "channels": CHANNELS, **eeg},
        },
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(mapping))
    start_run(load_config(folder / "config.yaml"), folder / "run", progress=False)
    return folder / "run"


@pytest.fixture(scope="session")
def raw_run(tmp_path_factory, shared_data):
    """A spatiotemporal encoder on raw 0.5 s windows of 8 channels."""
    model = {
        "hidden_size": 8,
        "activation": "relu",
        "encoder": "spatiotemporal",
        "encoder_params": {"channels": len(CHANNELS), "virtual_channels": 3, "filters": 2, "kernel": 16, "stride": 8},
    }
    return _train(tmp_path_factory, shared_data, "raw", model, {})


@pytest.fixture(scope="session")
def power_run(tmp_path_factory, shared_data):
    """A power encoder on raw 1 s windows of all 64 channels, 16 virtual channels (the streaming
    extractor keeps their running second moments)."""
    model = {
        "hidden_size": 32,
        "activation": "relu",
        "encoder": "power",
        "encoder_params": {"channels": 64, "virtual_channels": 16},
    }
    return _train(tmp_path_factory, shared_data, "power", model, {"window_seconds": 1.0, "channels": None})


@pytest.fixture(scope="session")
def tangent_run(tmp_path_factory, shared_data):
    """A dense encoder on tangent-space covariances of 8 channels."""
    return _train(
        tmp_path_factory,
        shared_data,
        "tangent",
        {"hidden_size": 6, "activation": "relu"},
        {"representation": "tangent_space"},
    )


@pytest.fixture(scope="session")
def calibrated_run(tmp_path_factory, shared_data):
    """A tangent-space AE pretrained on S012 and S013 (each aligned on their own windows),
    calibrated to S001 with 3 trials per class (``constrae calibrate``)."""
    from constrae.population.calibrate import calibrate_user

    folder = tmp_path_factory.mktemp("population")
    train_tangent_run(folder / "run", shared_data, ["S012", "S013"], CHANNELS, window_seconds=0.5, hop_seconds=0.25)
    s001 = [shared_data / "eegmmidb" / "S001" / "S001R04.edf"]
    return calibrate_user(folder / "run", s001, ["T1", "T2"], 3, 1.0, folder / "calibrated").out


@pytest.fixture(scope="session")
def s001_run04(shared_data):
    return shared_data / "eegmmidb" / "S001" / "S001R04.edf"


@pytest.fixture(scope="session")
def binary_run(tmp_path_factory, raw_run):
    """``raw_run`` after phase 2 (``constrae discretize``): its codes are bits."""
    from constrae.discrete.phase2 import Phase2Config
    from constrae.discrete.run import discretize_run

    out = tmp_path_factory.mktemp("binary") / "run"
    discretize_run(raw_run, out, Phase2Config(anneal_epochs=1, finetune_epochs=1, batch_size=32))
    return out
