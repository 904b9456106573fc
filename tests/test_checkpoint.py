"""Run folders load back exactly; corrupt or foreign files raise CheckpointError; nothing is unpickled."""

import json
import pickle

import pytest
import torch

from constrae import RunConfig, build, load_model
from constrae.errors import CheckpointError
from constrae.io.checkpoint import save_model
from constrae.io.run_folder import CONFIG_FILE, MODEL_FILE

CONSTRAINED = {
    "model": {"input_size": 12, "hidden_size": 6, "tied": True},
    "constraints": [{"name": "unit_norm_decoder"}, {"name": "locality", "k": 3}],
}


@pytest.fixture
def run_dir(tmp_path):
    config = RunConfig.from_mapping(CONSTRAINED)
    model, _ = build(config)
    with torch.no_grad():
        model.encoder.parametrizations.weight.original.mul_(3.0)
    save_model(tmp_path, config, model)
    return tmp_path, model


def test_load_rebuilds_gates_and_parametrizations_and_gives_the_same_codes(run_dir):
    path, model = run_dir
    loaded, config = load_model(path)
    x_BN = torch.randn(5, 12)
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode(x_BN), model.encode(x_BN), rtol=0, atol=0)
        torch.testing.assert_close(loaded(x_BN).reconstruction_BN, model(x_BN).reconstruction_BN, rtol=0, atol=0)
    assert ((loaded.encode(x_BN) != 0).sum(dim=1) <= 3).all()


def test_truncated_model_file_is_named(run_dir):
    path, _ = run_dir
    data = (path / MODEL_FILE).read_bytes()
    (path / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"model.safetensors is not a readable safetensors file"):
        load_model(path)


def test_a_pickle_is_refused_and_never_executed(run_dir, tmp_path_factory):
    path, _ = run_dir
    witness = tmp_path_factory.mktemp("witness") / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(witness), "w"))

    (path / MODEL_FILE).write_bytes(pickle.dumps({"encoder.weight": Payload()}))
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_model(path)
    assert not witness.exists()


def test_weights_that_do_not_match_the_config_are_named(run_dir):
    path, _ = run_dir
    config = json.loads((path / CONFIG_FILE).read_text())
    config["model"]["hidden_size"] = 7
    (path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="has shape"):
        load_model(path)


def test_missing_or_broken_config_is_named(tmp_path, run_dir):
    with pytest.raises(CheckpointError, match="not a run folder: config.json is missing"):
        load_model(tmp_path / "nowhere")
    path, _ = run_dir
    (path / CONFIG_FILE).write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json is not a valid run config"):
        load_model(path)


def test_a_failed_write_leaves_no_temp_file_and_the_old_file_intact(tmp_path):
    config = RunConfig.from_mapping({"model": {"input_size": 4, "hidden_size": 2}})
    model, _ = build(config)
    blocker = tmp_path / MODEL_FILE
    blocker.mkdir()
    (blocker / "keep").write_text("old")
    with pytest.raises(OSError):
        save_model(tmp_path, config, model)
    assert (blocker / "keep").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_FILE, MODEL_FILE]
