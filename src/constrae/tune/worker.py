"""A campaign worker: the same call on every process and machine, until the study holds N finished trials.

N counts COMPLETE and PRUNED trials over the whole study (as Optuna's MaxTrialsCallback
does), so a stopped study resumed with the same command continues to N. A worker starts a
trial only while finished + running + waiting trials are fewer than N; when the rest are
running elsewhere it waits, so that a crashed worker's trial, once failed and enqueued
again, is still run. Two workers that start the N-th trial at the same moment are told
apart by trial number: the later one fails at once as surplus, before any training.
"""

import json
import time
import zlib
from typing import NamedTuple

from constrae.errors import ConfigError, ConstraeError
from constrae.inference.threads import one_thread
from constrae.io.mappings import to_dict
from constrae.tune._imports import optuna as import_optuna
from constrae.tune.measure import measure_on_data
from constrae.tune.space import SearchSpace
from constrae.tune.storage import WORKER_ATTR, fail_stale_trials, open_storage, this_worker

SPACE_ATTR = "space"
"""Study user attribute: the search space (JSON) the study was created with."""
CONFIG_ATTR = "config"
"""Trial user attribute: the trial's RunConfig mapping, which `tune export` writes out."""
SURPLUS_ATTR = "surplus"
POLL_SECONDS = 1.0


class SurplusTrial(Exception):
    """Another worker started the study's last trial first."""


class WorkerSummary(NamedTuple):
    ran: int
    """Trials this worker finished (complete, pruned or failed)."""
    finished: int
    """COMPLETE + PRUNED trials in the study when this worker stopped."""


def make_sampler(space: SearchSpace, worker: str):
    """The space's sampler, seeded per worker so that parallel workers do not draw the same trials."""
    optuna = import_optuna()
    seed = zlib.crc32(f"{space.seed}:{worker}".encode())
    if space.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=8)
    if space.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)


def make_pruner(space: SearchSpace):
    optuna = import_optuna()
    if space.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if space.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1)
    return optuna.pruners.NopPruner()


def open_study(space: SearchSpace, study_name: str, storage: str, worker: str | None = None):
    """Create the study or join it; refuses a study created with another space."""
    optuna = import_optuna()
    study = optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage),
        sampler=make_sampler(space, worker or this_worker()),
        pruner=make_pruner(space),
        directions=space.directions,
        load_if_exists=True,
    )
    wanted = json.dumps(to_dict(space), sort_keys=True)
    stored = study.user_attrs.get(SPACE_ATTR)
    if stored is None:
        study.set_user_attr(SPACE_ATTR, wanted)
    elif stored != wanted:
        raise ConfigError(
            f"study {study_name!r} in {storage} was created with a different search space; "
            "use a new --study name for a changed space"
        )
    if [d.name.lower() for d in study.directions] != space.directions:
        raise ConfigError(
            f"study {study_name!r}: directions {study.directions} do not match objectives {space.objectives}"
        )
    return study


def count(trials, *states) -> int:
    return sum(trial.state in states for trial in trials)


def measure(space: SearchSpace, config, on_epoch) -> dict[str, float]:
    if space.evaluation.kind == "eeg":
        from constrae.tune.eeg_folds import measure_on_eeg

        return measure_on_eeg(config, space.evaluation, space.measures, on_epoch)
    return measure_on_data(config, space.evaluation, space.measures, on_epoch)


def make_objective(space: SearchSpace, n_trials: int):
    optuna = import_optuna()
    State = optuna.trial.TrialState
    counted = (State.COMPLETE, State.PRUNED, State.RUNNING, State.WAITING)

    def objective(trial):
        trial.set_user_attr(WORKER_ATTR, this_worker())
        earlier = [t for t in trial.study.get_trials(deepcopy=False) if t.number < trial.number]
        if count(earlier, *counted) >= n_trials:
            trial.set_user_attr(SURPLUS_ATTR, True)
            raise SurplusTrial(f"trial {trial.number}: the study already has {n_trials} trials")
        config = space.suggest(trial)
        trial.set_user_attr(CONFIG_ATTR, config.to_mapping())
        on_epoch = None
        if space.pruner != "none":

            def on_epoch(record):
                trial.report(record[f"val/{space.objectives[0]}"], record["epoch"])
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned after epoch {record['epoch']}")

        scores = measure(space, config, on_epoch)
        for name, value in scores.items():
            trial.set_user_attr(name, value)
        for name, budget in space.limits.items():
            trial.set_constraint(name, scores[name] - budget)
        return tuple(scores[name] for name in space.objectives)

    return objective


def run_worker(space: SearchSpace, study_name: str, storage: str, n_trials: int, log=print) -> WorkerSummary:
    """Run trials until the study holds ``n_trials`` COMPLETE or PRUNED trials; one thread."""
    if n_trials < 1:
        raise ConfigError(f"--trials: must be >= 1, got {n_trials}")
    optuna = import_optuna()
    State = optuna.trial.TrialState
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(space, study_name, storage)
    objective = make_objective(space, n_trials)
    ran = []

    def announce(study, trial) -> None:
        ran.append(trial.number)
        scores = "  ".join(
            f"{name} {trial.user_attrs[name]:.4g}" for name in space.measures if name in trial.user_attrs
        )
        log(f"trial {trial.number} {trial.state.name.lower()}  {scores}")

    with one_thread():
        while True:
            fail_stale_trials(study, storage)
            trials = study.get_trials(deepcopy=False)
            finished = count(trials, State.COMPLETE, State.PRUNED)
            if finished >= n_trials:
                break
            if finished + count(trials, State.RUNNING) >= n_trials and not count(trials, State.WAITING):
                time.sleep(POLL_SECONDS)
                continue
            study.optimize(
                objective, n_trials=1, catch=(ConstraeError, SurplusTrial), callbacks=[announce], gc_after_trial=False
            )
    return WorkerSummary(len(ran), finished)
