"""Campaign objectives on real data and real studies: pruning, linear-probe accuracy, EEG decoding, export."""

import optuna
import pytest
import yaml

from constrae.core.config import RunConfig
from constrae.errors import ConfigError
from constrae.tune import SearchSpace, load_study, run_worker
from constrae.tune.results import trial_config
from constrae.tune.worker import open_study

State = optuna.trial.TrialState
QUIET = {"log": lambda line: None}


def fvu_space(pruner: str) -> SearchSpace:
    return SearchSpace.from_mapping(
        {
            "objectives": ["fvu"],
            "pruner": pruner,
            "base": {
                "data": {"source": "shapes", "n_samples": 200},
                "train": {"epochs": 8, "batch_size": 32, "val_fraction": 0.25},
                "model": {"hidden_size": 16},
            },
            "params": {"train.lr": {"type": "categorical", "choices": [0.03, 1.0e-6]}},
        }
    )


@pytest.mark.parametrize("pruner", ["median", "hyperband"])
def test_a_trial_far_behind_the_others_is_pruned_from_its_epoch_scores(tmp_path, pruner):
    space, storage = fvu_space(pruner), str(tmp_path / "tune.journal")
    study = open_study(space, "prune", storage)
    for lr in (0.03, 0.03, 0.03, 0.03, 1.0e-6):
        study.enqueue_trial({"train.lr": lr})
    run_worker(space, "prune", storage, 5, **QUIET)
    trials = load_study("prune", storage)[0].get_trials()
    assert [t.state for t in trials[:4]] == [State.COMPLETE] * 4
    assert all(sorted(t.intermediate_values) == list(range(8)) for t in trials[:4])
    slow = trials[4]
    assert slow.params["train.lr"] == 1.0e-6 and slow.state == State.PRUNED
    assert 1 <= len(slow.intermediate_values) < 8


def test_probe_accuracy_latency_and_l0_limit_are_measured_on_the_trained_model(tmp_path):
    space = SearchSpace.from_mapping(
        {
            "objectives": ["accuracy", "latency_us"],
            "limits": {"l0": 3.0},
            "base": {
                "data": {"source": "shapes", "n_samples": 300},
                "train": {"epochs": 10, "batch_size": 32, "lr": 1e-2, "val_fraction": 0.3},
            },
            "params": {"model.hidden_size": {"type": "int", "low": 16, "high": 32}},
            "constraints": [{"name": "l1_codes", "required": True, "params": {"lam": 1e-4}}],
            "sampler": "random",
        }
    )
    storage = str(tmp_path / "tune.journal")
    run_worker(space, "probe", storage, 3, **QUIET)
    study, _ = load_study("probe", storage)
    for trial in study.trials:
        accuracy, latency_us = trial.values
        assert 0.4 < accuracy <= 1.0  # four balanced shape classes: chance is 0.25
        assert 0 < latency_us < 100_000
        assert trial.constraints == {"l0": pytest.approx(trial.user_attrs["l0"] - 3.0)}
    feasible = [t for t in study.trials if t.user_attrs["l0"] <= 3.0]
    assert {t.number for t in study.best_trials} <= {t.number for t in feasible}


@pytest.mark.slow
def test_eeg_decoding_objective_on_s001_and_its_exported_config(tmp_path, shared_data):
    space = SearchSpace.from_mapping(
        {
            "objectives": ["accuracy", "latency_us"],
            "evaluation": {"kind": "eeg", "subject": str(shared_data / "eegmmidb" / "S001"), "folds": 2},
            "base": {"model": {"activation": "sigmoid"}, "train": {"epochs": 2, "batch_size": 64, "val_fraction": 0.0}},
            "params": {"model.hidden_size": {"type": "int", "low": 8, "high": 16}},
        }
    )
    storage = str(tmp_path / "tune.journal")
    run_worker(space, "eeg", storage, 2, **QUIET)
    study, stored_space = load_study("eeg", storage)
    assert stored_space == space
    for trial in study.trials:
        assert trial.state == State.COMPLETE
        assert 0.0 <= trial.user_attrs["accuracy"] <= 1.0 and trial.user_attrs["latency_us"] > 0
    config = trial_config(space, study.trials[0])
    assert config.data.source == "eeg" and [p.rsplit("R", 1)[1] for p in config.data.paths] == [
        "06.edf",
        "10.edf",
        "14.edf",
    ]
    assert config.data.eeg.representation == "tangent_space" and config.data.eeg.window_seconds == 1.0
    assert RunConfig.from_mapping(yaml.safe_load(yaml.safe_dump(config.to_mapping()))) == config


def test_a_study_refuses_a_worker_with_another_space(tmp_path):
    from constrae.errors import ConfigError

    storage = str(tmp_path / "tune.journal")
    open_study(fvu_space("median"), "fixed", storage)
    open_study(fvu_space("median"), "fixed", storage)
    with pytest.raises(ConfigError, match="study 'fixed' .* was created with a different search space"):
        open_study(fvu_space("hyperband"), "fixed", storage)


def test_the_eeg_objective_on_recordings_scores_as_on_the_eegmmidb_task(shared_data):
    """The same three files as a subject's task or as recordings with labels: the same folds, the
    same trained models (seeded), the same accuracy; a recordings space exports those files."""
    from constrae.core.config import RunConfig
    from constrae.tune.eeg_folds import measure_on_eeg
    from constrae.tune.evaluation import EvaluationConfig

    s001 = shared_data / "eegmmidb" / "S001"
    by_task = EvaluationConfig(kind="eeg", subject=str(s001), folds=2)
    files = [str(s001 / f"S001R{run:02d}.edf") for run in (6, 10, 14)]
    by_files = EvaluationConfig(kind="eeg", recordings=files, labels=["T1", "T2"], folds=2)
    config = RunConfig.from_mapping(
        {"model": {"hidden_size": 8, "input_size": 2080}, "train": {"epochs": 1, "batch_size": 64, "seed": 3}}
    )
    scores = [measure_on_eeg(config, evaluation, ["accuracy"], None) for evaluation in (by_task, by_files)]
    assert scores[0] == scores[1]
    with pytest.raises(ConfigError, match="evaluation.subject"):
        EvaluationConfig(kind="eeg", subject=str(s001), recordings=files)
