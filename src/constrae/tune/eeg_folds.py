"""EEG decoding as a campaign objective: the protocol of ``constrae bench decode``, one AE per fold.

The per-fold preprocessing (causal filter, standardisation, tangent reference) is fitted on
the fold's training windows only and does not depend on the trial, so a worker fits it once
and keeps it for every trial it runs. Shapes: ``n`` trials, ``b`` windows, ``f`` features.
"""

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from constrae.bench.decode import CLASSIFIERS, TRAINING_HOP_SECONDS, accuracy_and_auc, splits_for
from constrae.bench.tasks import TASKS, TRIAL_SECONDS, LoadedTask, load_recordings_task, load_task, run_paths
from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.trainer import Trainer
from constrae.data import EEGConfig, Preprocessing
from constrae.errors import ConfigError
from constrae.io.mappings import to_dict
from constrae.io.run import with_input_size
from constrae.tune.evaluation import EvaluationConfig
from constrae.tune.measure import EpochHook, encode_latency_us, train_fvu_l0


class Fold(NamedTuple):
    """One cross-validation fold, preprocessed."""

    X_train_BF: np.ndarray
    """Model inputs of every sliding window overlapping no test trial (the AE's training data)."""
    X_trials_NF: np.ndarray
    """Model inputs of every trial window."""
    y_N: np.ndarray
    """1 for the task's second class, else 0."""
    train_N: np.ndarray
    test_N: np.ndarray
    preprocessing: Preprocessing
    """Fitted on this fold's training windows."""
    window_1CW: np.ndarray
    """One filtered trial window: where the latency of a decision starts."""


def eeg_config(evaluation: EvaluationConfig) -> EEGConfig:
    window = evaluation.trial_seconds if evaluation.recordings else TRIAL_SECONDS
    return EEGConfig(window_seconds=window, hop_seconds=TRAINING_HOP_SECONDS, representation=evaluation.representation)


def evaluation_task(evaluation: EvaluationConfig) -> LoadedTask:
    """The eegmmidb subject's task, or the recordings with their labels and trial window."""
    if evaluation.recordings:
        return load_recordings_task(
            [Path(p) for p in evaluation.recordings],
            list(evaluation.labels),
            evaluation.trial_start,
            evaluation.trial_seconds,
        )
    if evaluation.subject is None:
        raise ConfigError("evaluation.subject or evaluation.recordings is required for EEG decoding")
    return load_task(evaluation.task, Path(evaluation.subject))


FOLD_CACHE: dict[str, list[Fold]] = {}
"""Each evaluation's folds, by its settings: a worker preprocesses them once for all its trials."""


def folds_of(evaluation: EvaluationConfig) -> list[Fold]:
    """Every fold's preprocessed inputs, computed once per process."""
    key = json.dumps(to_dict(evaluation), sort_keys=True)
    if key not in FOLD_CACHE:
        FOLD_CACHE[key] = preprocessed_folds(evaluation)
    return FOLD_CACHE[key]


def preprocessed_folds(evaluation: EvaluationConfig) -> list[Fold]:
    task = evaluation_task(evaluation)
    trials = task.trials
    y_N = (trials.labels_N == task.classes[1]).astype(int)
    config = eeg_config(evaluation)
    result = []
    for train_N, test_N in splits_for(len(y_N), evaluation.folds):
        spans = [trials.spans_in(i, test_N) for i in range(len(task.recordings))]
        preprocessing = Preprocessing.fit(task.recordings, config, spans)
        X_train = np.concatenate(
            [
                preprocessing.model_inputs(recording, preprocessing.training_starts(recording, spans_S2))
                for recording, spans_S2 in zip(task.recordings, spans)
            ]
        )
        windows_NCW = trials.gather(task.recordings, preprocessing.filtered_windows)
        X_trials = preprocessing.represent(preprocessing.standardize(windows_NCW)).astype(np.float32)
        result.append(Fold(X_train.astype(np.float32), X_trials, y_N, train_N, test_N, preprocessing, windows_NCW[:1]))
    return result


def recording_paths(evaluation: EvaluationConfig) -> list[str]:
    if evaluation.recordings:
        return list(evaluation.recordings)
    if evaluation.subject is None:
        raise ConfigError("evaluation.subject or evaluation.recordings is required for EEG decoding")
    return [str(path) for path in run_paths(Path(evaluation.subject), TASKS[evaluation.task].runs)]


def measure_on_eeg(
    config: RunConfig,
    evaluation: EvaluationConfig,
    measures: list[str],
    on_epoch: EpochHook,
    fold_indices: list[int] | None = None,
) -> dict[str, float]:
    """Mean over folds (all, or those of ``fold_indices``) of test-trial accuracy, and FVU and
    L0 on the test trials' windows."""
    folds = folds_of(evaluation)
    folds = folds if fold_indices is None else [folds[i] for i in fold_indices]
    accuracies, fvus, l0s = [], [], []
    for index, fold in enumerate(folds):
        fold_config = with_input_size(config, fold.X_train_BF)
        model, objective = build(fold_config)
        hook = on_epoch if index == 0 else None
        Trainer(model, objective, fold_config, progress=False, on_epoch=hook).fit(torch.from_numpy(fold.X_train_BF))
        model.eval()
        with torch.no_grad():
            codes_NH = model.encode(torch.from_numpy(fold.X_trials_NF)).numpy()
        classifier = CLASSIFIERS[evaluation.classifier]().fit(codes_NH[fold.train_N], fold.y_N[fold.train_N])
        accuracy, _ = accuracy_and_auc(classifier.decision_function(codes_NH[fold.test_N]), fold.y_N[fold.test_N])
        accuracies.append(accuracy)
        test_scores = train_fvu_l0(model, fold.X_trials_NF[fold.test_N])
        fvus.append(test_scores["fvu"])
        l0s.append(test_scores["l0"])
    scores = {"accuracy": float(np.mean(accuracies)), "fvu": float(np.mean(fvus)), "l0": float(np.mean(l0s))}
    if "latency_us" in measures:
        last = folds[-1]

        def prepare(window_1CW: np.ndarray) -> np.ndarray:
            return last.preprocessing.represent(last.preprocessing.standardize(window_1CW))

        scores["latency_us"] = encode_latency_us(model, last.window_1CW, evaluation.latency_calls, prepare)
    return scores
