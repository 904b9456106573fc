"""Reading a finished (or running) study: its space, its best and Pareto trials, a trial as a training config."""

import json
from pathlib import Path

import yaml

from constrae.core.config import RunConfig
from constrae.errors import ConfigError
from constrae.io.atomic import atomic_write_text
from constrae.io.mappings import from_dict, to_dict
from constrae.tune._imports import optuna as import_optuna
from constrae.tune.space import SearchSpace
from constrae.tune.storage import open_storage
from constrae.tune.worker import CONFIG_ATTR, SPACE_ATTR


def load_study(study_name: str, storage: str):
    """The stored study and the search space it was created with."""
    optuna = import_optuna()
    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(open_storage(storage))]
        raise ConfigError(
            f"--study: no study {study_name!r} in {storage}; studies: {', '.join(names) or '(none)'}"
        ) from None
    if SPACE_ATTR not in study.user_attrs:
        raise ConfigError(f"study {study_name!r} was not made by constrae tune (no stored search space)")
    return study, from_dict(SearchSpace, json.loads(study.user_attrs[SPACE_ATTR]), f"study {study_name} space")


def front(study, space: SearchSpace) -> list:
    """The feasible Pareto-optimal trials (the best one for a single objective), best first objective first."""
    trials = study.best_trials
    sign = 1 if space.directions[0] == "minimize" else -1
    return sorted(trials, key=lambda t: (sign * t.values[0], t.number))


def chosen_trial(study, space: SearchSpace, number: int | None):
    """Trial ``number`` (a complete one), or the front's best on the first objective."""
    optuna = import_optuna()
    if number is None:
        best = front(study, space)
        if not best:
            raise ConfigError(f"study {study.study_name!r} has no complete feasible trial yet")
        return best[0]
    trials = {t.number: t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))}
    if number not in trials:
        raise ConfigError(
            f"--trial: {number} is not a complete trial of {study.study_name!r}; complete: "
            f"{', '.join(map(str, sorted(trials))) or '(none)'}"
        )
    return trials[number]


def trial_config(space: SearchSpace, trial) -> RunConfig:
    """The RunConfig ``constrae train`` reproduces the trial with; eeg campaigns train on the task's recordings."""
    mapping = dict(trial.user_attrs[CONFIG_ATTR])
    if space.evaluation.kind == "eeg":
        from constrae.tune.eeg_folds import eeg_config, recording_paths

        mapping["data"] = {
            "source": "eeg",
            "paths": recording_paths(space.evaluation),
            "eeg": to_dict(eeg_config(space.evaluation)),
        }
    return RunConfig.from_mapping(mapping, f"trial {trial.number}")


def export_trial(space: SearchSpace, trial, out: Path) -> Path:
    scores = ", ".join(f"{name} {trial.user_attrs[name]:.6g}" for name in space.measures if name in trial.user_attrs)
    header = f"# constrae tune: trial {trial.number} ({scores}); train it with `constrae train {out.name} --out RUN`\n"
    return atomic_write_text(out, header + yaml.safe_dump(trial_config(space, trial).to_mapping(), sort_keys=False))


def describe(trial) -> str:
    """The trial's searched choices, short: `hidden_size=32 activation=relu +l1_codes(lam=0.001)`."""
    parts = []
    for name, value in trial.params.items():
        if name.startswith("use."):
            continue
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        parts.append(f"{name.rsplit('.', 1)[-1] if name.startswith(('model.', 'train.')) else name}={shown}")
    on = [name[4:] for name, value in trial.params.items() if name.startswith("use.") and value]
    return " ".join(parts + [f"+{name}" for name in on])


def front_table(study, space: SearchSpace) -> list[str]:
    """The front as Markdown table lines."""
    measures = space.measures
    lines = ["| trial | " + " | ".join(measures) + " | parameters |", "|---|" + "---|" * len(measures) + "---|"]
    for trial in front(study, space):
        values = " | ".join(f"{trial.user_attrs[name]:.4g}" for name in measures)
        lines.append(f"| {trial.number} | {values} | {describe(trial)} |")
    return lines
