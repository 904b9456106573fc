"""``constrae bench decode``: within-subject decoding on real recordings, AE features
against CSP+LDA and tangent space + logistic regression, on the same splits.

Protocol (MNE's CSP example): trials are 1-2 s after the cue, ShuffleSplit(10,
test_size=0.2, random_state=42). Each AE is trained without labels, per fold, on
every sliding window of the task's recordings (rest included) that overlaps no test
trial; its preprocessing (causal filter, standardisation, tangent reference) is fitted
on those windows only. Shapes: ``n`` trials, ``h`` features.
"""

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from constrae.bench.baselines import CSP_COMPONENTS, csp_lda, mne_protocol_epochs, tangent_space_lr
from constrae.bench.tasks import TASKS, TRIAL_SECONDS, LoadedTask
from constrae.bench.timing import time_calls
from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.trainer import Trainer
from constrae.data import EEGConfig, Preprocessing
from constrae.data.filters import CausalFilter, design_sos
from constrae.data.preprocessing import Representation
from constrae.data.windows import windows_at
from constrae.errors import DataError
from constrae.inference.threads import one_thread

SPLIT_SEED = 42
TEST_FRACTION = 0.2
TRAINING_HOP_SECONDS = 0.5
LATENCY_CALLS = 100


class AEVariant(NamedTuple):
    """One autoencoder configuration to evaluate; ``model`` and ``train`` are RunConfig sections."""

    name: str
    representation: Representation
    model: dict
    constraints: list[dict]
    train: dict


_TRAIN = {"epochs": 30, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0}

DEFAULT_VARIANTS = [
    AEVariant(
        "sparse ReLU + L1 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "relu"},
        [{"name": "l1_codes", "lam": 1e-3}],
        _TRAIN,
    ),
    AEVariant(
        "sigmoid + KL (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "sigmoid"},
        [{"name": "kl_sparsity", "rho": 0.1, "beta": 0.1}, {"name": "weight_decay", "lam": 1e-5}],
        _TRAIN,
    ),
    AEVariant(
        "k-sparse k=64 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "topk", "activation_params": {"k": 64}},
        [],
        _TRAIN,
    ),
    AEVariant(
        "denoising q=0.25 + L1 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "relu"},
        [{"name": "denoising", "q": 0.25}, {"name": "l1_codes", "lam": 1e-3}],
        _TRAIN,
    ),
    AEVariant(
        "spatiotemporal ReLU + L1 (raw)",
        "raw",
        {
            "hidden_size": 64,
            "activation": "relu",
            "encoder": "spatiotemporal",
            "encoder_params": {"channels": 64, "virtual_channels": 8, "filters": 4, "kernel": 25, "stride": 5},
        },
        [{"name": "l1_codes", "lam": 1e-2}],
        {**_TRAIN, "epochs": 10, "lr": 3e-3},
    ),
]
"""The constraint sets of the default table; every one is a plain RunConfig."""

CLASSIFIERS: dict[str, Callable] = {
    "LDA": lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    "LR": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
}
"""Linear classifiers on the AE features (shrinkage LDA; L2 logistic regression)."""


class DecodeRow(NamedTuple):
    """One method on one task, over all folds."""

    task: str
    method: str
    accuracy_mean: float
    accuracy_std: float
    roc_auc_mean: float
    features: int
    """Features per window the classifier sees."""
    latency_us: float
    """Median time from a filtered 1 s window to a decision, one call at a time."""
    fold_accuracies: list[float]


def splits_for(n_trials: int, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(ShuffleSplit(folds, test_size=TEST_FRACTION, random_state=SPLIT_SEED).split(np.zeros(n_trials)))


def median_latency_us(decide: Callable[[], object]) -> float:
    """Median of LATENCY_CALLS back-to-back calls, in microseconds."""
    return time_calls(lambda _: decide(), [None], "back_to_back", LATENCY_CALLS).p50_us


def accuracy_and_auc(scores_N: np.ndarray, y_N: np.ndarray) -> tuple[float, float]:
    """Accuracy of sign(scores) and ROC-AUC (NaN when the test fold holds one class)."""
    auc = float(roc_auc_score(y_N, scores_N)) if len(set(y_N)) == 2 else float("nan")
    return float(np.mean((scores_N > 0) == y_N)), auc


def row(task: str, method: str, accuracies, aucs, features: int, latency_us: float) -> DecodeRow:
    return DecodeRow(
        task,
        method,
        float(np.mean(accuracies)),
        float(np.std(accuracies)),
        float(np.nanmean(aucs)),
        features,
        latency_us,
        accuracies,
    )


def baseline_rows(task: LoadedTask, y_N: np.ndarray, splits) -> list[DecodeRow]:
    labels = list(TASKS[task.name].classes)
    epochs_NCW, mne_labels_N = mne_protocol_epochs(task.paths, labels)
    if list(mne_labels_N) != list(task.trials.labels_N):
        raise DataError(
            f"{task.name}: MNE's epochs ({len(mne_labels_N)}) do not line up with the trials "
            f"({len(task.trials.labels_N)})"
        )
    band = EEGConfig()

    def causal_windows(rec, starts_N):
        sos = design_sos(rec.sfreq, band.l_freq, band.h_freq, None, band.filter_order)
        return windows_at(
            CausalFilter(sos, len(rec.channels))(rec.signals_CT), starts_N, int(round(TRIAL_SECONDS * rec.sfreq))
        )

    causal_NCW = task.trials.gather(task.recordings, causal_windows)
    rows = []
    n_channels = epochs_NCW.shape[1]
    for method, make, X, features in (
        ("CSP+LDA (MNE protocol)", csp_lda, epochs_NCW, CSP_COMPONENTS),
        ("CSP+LDA (causal IIR filter)", csp_lda, causal_NCW, CSP_COMPONENTS),
        ("tangent space+LR (pyriemann)", tangent_space_lr, epochs_NCW, n_channels * (n_channels + 1) // 2),
    ):
        accuracies, aucs = [], []
        for train_N, test_N in splits:
            pipeline = make().fit(X[train_N], y_N[train_N])
            accuracy, auc = accuracy_and_auc(pipeline.decision_function(X[test_N]), y_N[test_N])
            accuracies.append(accuracy)
            aucs.append(auc)
        latency = median_latency_us(functools.partial(pipeline.predict, X[:1]))
        rows.append(row(task.name, method, accuracies, aucs, features, latency))
    return rows


def variant_config(variant: AEVariant, n_features: int) -> RunConfig:
    return RunConfig.from_mapping(
        {
            "model": {**variant.model, "input_size": n_features},
            "constraints": variant.constraints,
            "train": variant.train,
        }
    )


def train_autoencoder(variant: AEVariant, X_train: np.ndarray):
    config = variant_config(variant, X_train.shape[1])
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X_train))
    return model.eval()


class FoldInputs(NamedTuple):
    """One fold's data for an autoencoder, with preprocessing fitted on its training windows only."""

    preprocessing: Preprocessing
    X_train: np.ndarray
    """(windows, features) model inputs of every sliding window that overlaps no test trial."""
    X_trials: np.ndarray
    """(trials, features) model inputs of every trial (train and test)."""
    trial_windows_NCW: np.ndarray
    """Filtered trial windows (trials, channels, samples), before standardisation."""
    segment_starts: list[int]
    """First row of each recording in ``X_train`` (rows are in recording, then time order)."""


def fold_inputs(task: LoadedTask, test_N: np.ndarray, representation: Representation) -> FoldInputs:
    trials = task.trials
    spans = [trials.spans_in(i, test_N) for i in range(len(task.recordings))]
    config = EEGConfig(window_seconds=TRIAL_SECONDS, hop_seconds=TRAINING_HOP_SECONDS, representation=representation)
    preprocessing = Preprocessing.fit(task.recordings, config, spans)
    parts = [
        preprocessing.model_inputs(recording, preprocessing.training_starts(recording, spans_S2))
        for recording, spans_S2 in zip(task.recordings, spans)
    ]
    trial_windows_NCW = trials.gather(task.recordings, preprocessing.filtered_windows)
    X_trials = preprocessing.represent(preprocessing.standardize(trial_windows_NCW))
    starts = np.concatenate([[0], np.cumsum([len(p) for p in parts])[:-1]]).astype(int).tolist()
    return FoldInputs(preprocessing, np.concatenate(parts), X_trials, trial_windows_NCW, starts)


def autoencoder_rows(task: LoadedTask, variants: list[AEVariant], y_N: np.ndarray, splits, bar) -> list[DecodeRow]:
    """Per fold: fit preprocessing and AEs on training windows, classify the trials' codes."""
    scores: dict[tuple[str, str], tuple[list[float], list[float]]] = {
        (v.name, c): ([], []) for v in variants for c in CLASSIFIERS
    }
    last: dict[tuple[str, str], tuple] = {}
    for train_N, test_N in splits:
        for representation in dict.fromkeys(v.representation for v in variants):
            preprocessing, X_train, X_trials, trial_windows_NCW, _ = fold_inputs(task, test_N, representation)
            for variant in (v for v in variants if v.representation == representation):
                model = train_autoencoder(variant, X_train)
                with torch.no_grad():
                    codes_NH = model.encode(torch.from_numpy(X_trials)).numpy()
                for name, make in CLASSIFIERS.items():
                    classifier = make().fit(codes_NH[train_N], y_N[train_N])
                    accuracy, auc = accuracy_and_auc(classifier.decision_function(codes_NH[test_N]), y_N[test_N])
                    scores[(variant.name, name)][0].append(accuracy)
                    scores[(variant.name, name)][1].append(auc)
                    last[(variant.name, name)] = (preprocessing, model, classifier, trial_windows_NCW[:1])
        bar.update(1)
    rows = []
    for (variant_name, classifier_name), (accuracies, aucs) in scores.items():
        preprocessing, model, classifier, window_1CW = last[(variant_name, classifier_name)]
        decide = functools.partial(decision, preprocessing, model, classifier, window_1CW)
        rows.append(
            row(
                task.name,
                f"AE {variant_name} + {classifier_name}",
                accuracies,
                aucs,
                model.config.hidden_size,
                median_latency_us(decide),
            )
        )
    return rows


@torch.no_grad()
def decision(preprocessing, model, classifier, window_1CW):
    """One decision from one filtered window: standardise, represent, encode, classify."""
    x_1F = preprocessing.represent(preprocessing.standardize(window_1CW))
    return classifier.predict(model.encode(torch.from_numpy(x_1F)).numpy())


def evaluate(tasks: list[LoadedTask], variants: list[AEVariant], folds: int, progress: bool = True) -> list[DecodeRow]:
    """Every baseline and every AE variant x classifier on every task, on the same splits.

    On one thread (``constrae.inference.threads``): the latencies are per-call figures."""
    rows = []
    with one_thread(), tqdm(total=len(tasks) * folds, desc="decode (task x fold)", disable=not progress) as bar:
        for task in tasks:
            first_class = list(TASKS[task.name].classes)[1]
            y_N = (task.trials.labels_N == first_class).astype(int)
            splits = splits_for(len(y_N), folds)
            rows += baseline_rows(task, y_N, splits)
            rows += autoencoder_rows(task, variants, y_N, splits, bar)
    return rows
