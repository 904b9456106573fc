"""Stacked autoencoders: the three stages, the estimator, save/load, config and input errors."""

import numpy as np
import pytest
import torch
import yaml
from sklearn.base import clone
from typer.testing import CliRunner

from constrae.cli import app
from constrae.errors import ConfigError, DataError
from constrae.stacked import StackConfig, StackedAutoencoderClassifier


def layer(hidden, epochs=3, **model):
    return {
        "model": {"hidden_size": hidden, "decoder_output": "sigmoid", **model},
        "constraints": [{"name": "kl_sparsity", "rho": 0.1, "beta": 1}, {"name": "weight_decay", "lam": 1e-3}],
        "train": {"optimizer": "lbfgs", "lr": 1.0, "epochs": epochs, "lbfgs_iterations": 10, "val_fraction": 0},
    }


def blobs(n=240, n_features=30, seed=0, classes=("a", "b", "c")):
    """Labelled samples in [0, 1]: noisy copies of one random prototype per class."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((len(classes), n_features))
    index = np.arange(n) % len(classes)
    X = np.clip(prototypes[index] + 0.25 * rng.standard_normal((n, n_features)), 0, 1).astype(np.float32)
    return X, np.array(classes)[index]


@pytest.fixture(scope="module")
def fitted():
    X, y = blobs()
    classifier = StackedAutoencoderClassifier(
        layers=[layer(16), layer(8)], softmax={"epochs": 3}, finetune={"epochs": 3, "lbfgs_iterations": 10}
    )
    return classifier.fit(X, y)


def test_three_stages_run_and_predict_string_labels(fitted):
    X_test, y_test = blobs(seed=1)
    assert set(fitted.history_) == {"layer_1", "layer_2", "softmax", "finetune"}
    assert len(fitted.history_["layer_1"]) == 3 and len(fitted.history_["finetune"]) == 3
    assert fitted.history_["finetune"][-1] < fitted.history_["finetune"][0]
    assert set(fitted.predict(X_test)) <= {"a", "b", "c"}
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (240, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert fitted.transform(X_test).shape == (240, 8)
    assert fitted.score(X_test, y_test) > 0.9  # chance is 1/3


def test_layer_two_trains_on_layer_one_codes(fitted):
    first, second = fitted.frozen_network_.autoencoders
    assert first.config.input_size == 30 and second.config.input_size == 16
    # Pre-training is layer-wise: the frozen network keeps layer 1 as its own training left it.
    X, _ = blobs()
    with torch.no_grad():
        codes = first.encode(torch.from_numpy(X))
        assert torch.equal(fitted.frozen_network_.codes(torch.from_numpy(X)), second.encode(codes))


def test_fine_tuning_moves_the_encoders_but_not_the_frozen_copy(fitted):
    tuned = fitted.network_.autoencoders[0].encoder.weight
    frozen = fitted.frozen_network_.autoencoders[0].encoder.weight
    assert not torch.equal(tuned, frozen)


def test_save_and_load_give_the_same_predictions(fitted, tmp_path):
    fitted.save(tmp_path / "stack")
    assert sorted(p.name for p in (tmp_path / "stack").iterdir()) == ["config.json", "model.safetensors"]
    loaded = StackedAutoencoderClassifier.load(tmp_path / "stack")
    X, y = blobs(seed=2)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), fitted.predict_proba(X), rtol=1e-6)
    assert loaded.get_params()["layers"][1]["model"]["hidden_size"] == 8


def test_hyper_parameters_are_stored_unchanged_and_clone():
    layers = [layer(16)]
    classifier = StackedAutoencoderClassifier(layers=layers, finetune={"epochs": 0})
    assert classifier.get_params()["layers"] is layers
    assert clone(classifier).get_params()["finetune"] == {"epochs": 0}


def test_labels_of_the_wrong_length_are_named():
    X, y = blobs()
    with pytest.raises(DataError, match=r"y: 239 labels for 240 samples of X"):
        StackedAutoencoderClassifier(layers=[layer(4)]).fit(X, y[:-1])


def test_unseen_classes_at_scoring_are_named(fitted):
    X, y = blobs()
    y = y.astype(object)
    y[5] = "zebra"
    with pytest.raises(DataError, match=r"labels \['zebra'\] were not seen in fit; known classes: \['a', 'b', 'c'\]"):
        fitted.score(X, y)
    with pytest.raises(DataError, match="has 31 features, the model expects 30"):
        fitted.predict(np.zeros((2, 31)))


def test_a_stack_whose_sizes_do_not_chain_is_named():
    with pytest.raises(
        ConfigError, match=r"layers\[1\].model.input_size: 12 does not chain with layers\[0\].model.hidden_size = 16"
    ):
        StackConfig.from_mapping({"layers": [layer(16), layer(8, input_size=12)]})
    X, y = blobs()
    with pytest.raises(
        ConfigError, match=r"layers\[0\].model.input_size: 29 does not chain with the data's 30 features"
    ):
        StackedAutoencoderClassifier(layers=[layer(8, input_size=29)]).fit(X, y)


def test_bad_stage_settings_and_single_classes_are_named():
    with pytest.raises(ConfigError, match=r"finetune.lr: must be > 0"):
        StackConfig.from_mapping({"finetune": {"lr": 0}})
    with pytest.raises(ConfigError, match=r"softmax: unknown key 'epoch'"):
        StackConfig.from_mapping({"softmax": {"epoch": 3}})
    X, _ = blobs()
    with pytest.raises(DataError, match=r"at least 2 classes"):
        StackedAutoencoderClassifier(layers=[layer(4)]).fit(X, np.zeros(240))


def test_cli_trains_a_stack_prints_the_table_and_writes_figures(tmp_path):
    X, y = blobs()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.searchsorted(["a", "b", "c"], y))
    config = {
        "layers": [layer(9, epochs=2), layer(4, epochs=2)],
        "softmax": {"epochs": 2},
        "finetune": {"epochs": 2},
        "data": {"source": "npy", "path": "X.npy", "labels_path": "y.npy", "rows": [0, 200]},
        "test": {"source": "npy", "path": "X.npy", "labels_path": "y.npy", "rows": [200, 240]},
    }
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(config))
    runner = CliRunner()
    result = runner.invoke(app, ["train-stack", str(tmp_path / "stack.yaml"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "| split | frozen stack | fine-tuned |" in result.output and "| test " in result.output
    figures = sorted(p.name for p in (tmp_path / "run" / "figures").iterdir())
    assert figures == ["confusion.png", "weights_layer_1.png", "weights_layer_2.png"]
    assert StackedAutoencoderClassifier.load(tmp_path / "run").predict(X[:3]).shape == (3,)
    again = runner.invoke(app, ["train-stack", str(tmp_path / "stack.yaml"), "--out", str(tmp_path / "run")])
    assert again.exit_code == 2 and "already holds a run" in again.output


def test_cli_refuses_test_labels_absent_from_training_before_training(tmp_path):
    X, _ = blobs(n=20)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.arange(20) % 2 + 2 * (np.arange(20) >= 15))
    config = {
        "layers": [layer(4, epochs=1)],
        "data": {"source": "npy", "path": "X.npy", "labels_path": "y.npy", "rows": [0, 15]},
        "test": {"source": "npy", "path": "X.npy", "labels_path": "y.npy", "rows": [15, 20]},
    }
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["train-stack", str(tmp_path / "stack.yaml"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "test labels [2, 3] do not occur in the training data" in result.output
    assert not (tmp_path / "run").exists()


def test_cli_names_bad_stack_configs(tmp_path):
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"layers": [{"model": {"hidden": 3}}]}))
    result = CliRunner().invoke(app, ["train-stack", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "layers[0].model: unknown key 'hidden'" in result.output
    assert not (tmp_path / "run").exists()
