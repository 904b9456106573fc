"""Bad configuration fails with a message that names the key and what is allowed."""

import pytest

from constrae import RunConfig, build, load_config
from constrae.errors import ConfigError


def config_with(**sections) -> dict:
    base = {"model": {"input_size": 16, "hidden_size": 8}}
    base.update(sections)
    return base


@pytest.mark.parametrize(
    "mapping, expected",
    [
        ({"modle": {}}, r"unknown key 'modle'; allowed: constraints, data, loss, model, train"),
        (config_with(train={"lr": 0.1, "epoch": 3}), r"unknown key 'epoch'; allowed: .*epochs"),
        (config_with(constraints=[{"name": "kl_sparsty"}]), r"unknown constraint 'kl_sparsty'; allowed: .*kl_sparsity"),
        (
            config_with(constraints=[{"name": "kl_sparsity", "sigma": 1}]),
            r"constraints\[0\] \(kl_sparsity\): unknown key 'sigma'; allowed: beta, momentum, rho, running",
        ),
        (
            config_with(constraints=[{"name": "kl_sparsity", "rho": 1.5}]),
            r"kl_sparsity.rho: must be in \(0, 1\), got 1.5",
        ),
        (config_with(constraints=[{"name": "kl_sparsity", "rho": 0}]), r"kl_sparsity.rho: must be in \(0, 1\)"),
        (config_with(constraints=[{"name": "denoising", "q": 1.0}]), r"denoising.q: must be in \[0, 1\), got 1.0"),
        (config_with(constraints=[{"kind": "masking"}]), r"constraints\[0\]: expected a mapping with a 'name' key"),
        (
            {"model": {"hidden_size": 8, "activation": "topk", "activation_params": {"k": 9}}},
            r"k=9 must be an integer in \[1, hidden_size=8\]",
        ),
        ({"model": {"hidden_size": 8, "activation": "topk"}}, r"activation 'topk' needs 'k'"),
        (
            {"model": {"activation": "softsign"}},
            r"unknown activation 'softsign'; allowed: binary, linear, relu, sigmoid, tanh, topk",
        ),
        ({"model": {"encoder": "conv9"}}, r"unknown encoder 'conv9'; allowed: .*dense"),
        (
            {"model": {"encoder_params": {"channels": 4}}},
            r"model.encoder_params: unknown key 'channels' for encoder 'dense'; allowed: \(none\)",
        ),
        (config_with(loss="l2"), r"'l2' is not allowed; allowed: 'mse', 'cross_entropy'"),
        (config_with(train={"optimizer": "rmsprop"}), r"allowed: 'adam', 'sgd', 'lbfgs'"),
        (config_with(train={"lr": "fast"}), r"train.lr: expected a number, got 'fast'"),
        (config_with(train={"val_fraction": 1.0}), r"train.val_fraction: must be in \[0, 1\)"),
        (config_with(data={"source": "npy"}), r"data.path: is required when data.source is 'npy'"),
    ],
)
def test_bad_config_is_named(mapping, expected):
    with pytest.raises(ConfigError, match=expected):
        RunConfig.from_mapping(mapping)


@pytest.mark.parametrize(
    "constraint, expected",
    [
        ({"name": "locality", "k": 9}, r"locality.k: k=9 must be <= model.hidden_size=8"),
        ({"name": "group_sparsity", "group_size": 3}, r"group_size: 3 does not divide model.hidden_size=8"),
        ({"name": "group_sparsity", "groups": [[0, 8]]}, r"groups\[0\]: unit 8 is outside \[0, 8\)"),
    ],
)
def test_constraints_that_do_not_fit_the_model_are_named_at_build(constraint, expected):
    config = RunConfig.from_mapping(config_with(constraints=[constraint]))
    with pytest.raises(ConfigError, match=expected):
        build(config)


def test_kl_sparsity_refuses_units_outside_zero_one():
    config = RunConfig.from_mapping(
        {"model": {"input_size": 4, "hidden_size": 3, "activation": "relu"}, "constraints": [{"name": "kl_sparsity"}]}
    )
    with pytest.raises(ConfigError, match=r"kl_sparsity needs codes in \(0, 1\) but activation 'relu'"):
        build(config)


def test_yaml_round_trip_and_exponent_without_dot(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        "model: {hidden_size: 8}\n"
        "constraints:\n  - {name: weight_decay, lam: 1e-3}\n"
        "train: {lr: 3e-4, epochs: 2}\n"
        "data: {source: npy, path: data.npy}\n"
    )
    config = load_config(path)
    assert config.train.lr == 3e-4
    assert config.constraints == [{"name": "weight_decay", "lam": 1e-3}]  # canonical: typed, defaults filled
    assert config.data.path == str(tmp_path / "data.npy")
    assert RunConfig.from_mapping(config.to_mapping()) == config


def test_missing_and_malformed_config_files_are_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {hidden_size: [}\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_data_paths_expand_environment_variables_with_defaults(tmp_path, monkeypatch):
    from constrae import load_config

    path = tmp_path / "run.yaml"
    path.write_text("data:\n  source: eeg\n  paths:\n    - ${EEG_HOME:-recordings}/a.edf\n    - ${EEG_HOME}/b.edf\n")
    monkeypatch.setenv("EEG_HOME", "/data/eeg")
    assert load_config(path).data.paths == ["/data/eeg/a.edf", "/data/eeg/b.edf"]
    monkeypatch.delenv("EEG_HOME")
    with pytest.raises(ConfigError, match="environment variable EEG_HOME is not set"):
        load_config(path)
    path.write_text("data:\n  source: eeg\n  paths: ['${EEG_HOME:-recordings}/a.edf']\n")
    assert load_config(path).data.paths == [str(tmp_path / "recordings" / "a.edf")]
