"""Search spaces: every bad space fails before a trial runs, naming the problem; trials draw what the space says."""

import subprocess
from pathlib import Path

import optuna
import pytest
import yaml

from constrae.errors import ConfigError
from constrae.tune.space import SearchSpace, load_space
from tune_workers import tune_command

SPACE = {
    "objectives": ["fvu"],
    "base": {"data": {"source": "shapes", "n_samples": 60}, "train": {"epochs": 1, "val_fraction": 0.2}},
    "params": {
        "model.hidden_size": {"type": "int", "low": 4, "high": 16},
        "model.activation": {"type": "categorical", "choices": ["sigmoid", "relu", "topk"]},
        "model.activation_params.k": {"type": "int", "low": 1, "high": 3, "when": {"model.activation": "topk"}},
    },
    "constraints": [
        {
            "name": "kl_sparsity",
            "when": {"model.activation": "sigmoid"},
            "params": {"rho": {"type": "float", "low": 0.01, "high": 0.5}, "beta": 3.0},
        },
        {
            "name": "weight_decay",
            "required": True,
            "params": {"lam": {"type": "float", "low": 1e-6, "high": 1e-3, "log": True}},
        },
    ],
}


def space_with(**changes) -> dict:
    mapping = yaml.safe_load(yaml.safe_dump(SPACE))
    for path, value in changes.items():
        node = mapping
        *parents, leaf = path.split("/")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[leaf] = value
    return mapping


def build(mapping) -> SearchSpace:
    from constrae.io.mappings import from_dict

    return from_dict(SearchSpace, mapping, "space.yaml")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"constraints/0/name": "kl_sparsty"},
            r"constraints\[0\].*unknown constraint 'kl_sparsty'; allowed: .*kl_sparsity",
        ),
        (
            {"constraints/0/params/rho": {"type": "float", "low": 0.1, "high": 1.5}},
            r"constraints\[0\] \(kl_sparsity\)\.params\.rho = 1\.5: .*kl_sparsity\.rho: must be in \(0, 1\), got 1\.5",
        ),
        (
            {"constraints/0/params/rho": {"type": "float", "low": 0.0, "high": 0.5}},
            r"params\.rho = 0\.0: .*must be in \(0, 1\)",
        ),
        (
            {"params/model.activation_params.k/when": {"model.actvation": "topk"}},
            r"params\.model\.activation_params\.k\.when: parent 'model.actvation' is not a searched parameter",
        ),
        (
            {"constraints/0/when": {"model.encoder": "dense"}},
            r"constraints\[0\].*parent 'model.encoder' is not a searched",
        ),
        (
            {"params/model.activation_params.k/when": {"model.activation": "softplus"}},
            r"when\.model\.activation: 'softplus' is not a value model.activation can take",
        ),
        (
            {"params/model.hiden_size": {"type": "int", "low": 1, "high": 2}},
            r"params\.model\.hiden_size: unknown key 'hiden_size' in model",
        ),
        (
            {"params/model.hidden_size": {"type": "int", "low": 0, "high": 16}},
            r"params\.model\.hidden_size = 0: model\.hidden_size: must be >= 1",
        ),
        (
            {"params/train.lr": {"type": "float", "low": 0.0, "high": 1.0, "log": True}},
            r"params\.train\.lr\.log: a log range needs low > 0",
        ),
        (
            {"objectives": ["fvu", "speed"]},
            r"objectives\[1\]: unknown objective 'speed'; allowed: fvu, l0, latency_us, accuracy",
        ),
        ({"objectives": ["fvu", "l0"], "pruner": "median"}, r"pruner: needs a single objective"),
        (
            {"objectives": ["accuracy"], "base/data/source": "npy", "base/data/path": "x.npy"},
            r"accuracy by linear probe needs labelled data",
        ),
        ({"budget": 3}, r"space\.yaml: unknown key 'budget'; allowed: base, constraints"),
        ({"constraints/1/params/lamda": 0.1}, r"constraints\[1\] \(weight_decay\).*unknown key 'lamda'"),
        ({"limits": {"latency": 100}}, r"limits\.latency: unknown objective"),
        ({"constraints/1/name": "kl_sparsity"}, r"constraints\[1\]: 'kl_sparsity' is listed twice"),
    ],
)
def test_a_bad_space_is_refused_naming_the_problem(changes, message):
    with pytest.raises(ConfigError, match=message):
        build(space_with(**changes))


def test_a_bad_space_file_fails_on_the_command_line_before_any_trial_runs(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        yaml.safe_dump(space_with(**{"constraints/0/params/rho": {"type": "float", "low": 0.1, "high": 2.0}}))
    )
    journal = tmp_path / "tune.journal"
    result = subprocess.run(tune_command(space, "s", str(journal), 2), capture_output=True, text=True)
    assert result.returncode == 2
    assert "params.rho = 2.0" in result.stderr and "must be in (0, 1)" in result.stderr
    assert not journal.exists()


def test_trials_draw_conditional_parameters_only_under_their_parents():
    space = build(SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(40):
        trial = study.ask()
        config = space.suggest(trial)
        activation = trial.params["model.activation"]
        seen.add(activation)
        assert ("model.activation_params.k" in trial.params) == (activation == "topk")
        assert ("use.kl_sparsity" in trial.params) == (activation == "sigmoid")
        names = [c["name"] for c in config.constraints]
        assert "weight_decay" in names and "use.weight_decay" not in trial.params
        on = trial.params.get("use.kl_sparsity", False)
        assert ("kl_sparsity" in names) == on == ("kl_sparsity.rho" in trial.params)
        if on:
            spec = next(c for c in config.constraints if c["name"] == "kl_sparsity")
            assert spec["rho"] == trial.params["kl_sparsity.rho"] and spec["beta"] == 3.0
        assert config.model.hidden_size == trial.params["model.hidden_size"]
        assert config.model.activation_params == (
            {"k": trial.params["model.activation_params.k"]} if activation == "topk" else {}
        )
        study.tell(trial, 0.0)
    assert seen == {"sigmoid", "relu", "topk"}


def test_the_example_campaign_spaces_are_valid():
    root = Path(__file__).resolve().parents[1]
    space = load_space(root / "examples" / "tune_s001.yaml")
    assert space.objectives == ["accuracy", "latency_us"] and space.directions == ["maximize", "minimize"]
    assert Path(space.evaluation.subject).is_absolute()
