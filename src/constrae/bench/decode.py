"""``constrae bench decode``: within-subject decoding on real recordings, AE features
against CSP+LDA and tangent space + logistic regression, on the same splits.

Protocol (MNE's CSP example), for each subject and task on its own: trials are 1-2 s
after the cue, ShuffleSplit(10, test_size=0.2, random_state=42). Each AE
(``constrae.bench.variants``) is trained per fold on every sliding window of the task's
recordings (rest included) that overlaps no test trial, without labels unless the
variant is ``labelled`` (then with the classes of the windows inside training trials); its
preprocessing (causal filter, standardisation, tangent reference) is fitted on those
windows only. The AE rows' classifiers are fitted on the crops of the training trials
(``constrae.data.crops``: the windows within +-``crop_seconds`` of each trial's window) and
tested on the test trials' windows; a causal CSP+LDA row fitted on the same crops shows what
cropping alone brings. Shapes: ``n`` trials, ``m`` crops, ``h`` features.
"""

import functools
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ShuffleSplit
from tqdm.auto import tqdm

from constrae.bench.baselines import (
    CSP_COMPONENTS,
    causal_band_windows,
    csp_lda,
    mne_protocol_epochs,
    tangent_space_lr,
)
from constrae.bench.linear_decision import DeployedDecoder
from constrae.bench.tasks import LoadedTask
from constrae.bench.timing import time_calls
from constrae.bench.variants import CLASSIFIERS, AEVariant, train_autoencoder, training_order
from constrae.constraints.distillation import Teacher
from constrae.core.model import Autoencoder
from constrae.data import EEGConfig, Preprocessing
from constrae.data.crops import CROP_HOP_SECONDS, CROP_REACH_SECONDS, Crops, crops_of, of_trials
from constrae.data.preprocessing import Representation
from constrae.data.trials import UNLABELLED, Trials
from constrae.errors import DataError
from constrae.inference.threads import one_thread

SPLIT_SEED = 42
TEST_FRACTION = 0.2
TRAINING_HOP_SECONDS = 0.5
LATENCY_CALLS = 100


class DecodeRow(NamedTuple):
    """One method on one subject's task, over all folds."""

    subject: str
    """The subject's folder name (S001)."""
    task: str
    method: str
    accuracy_mean: float
    """Mean of ``fold_accuracies``."""
    accuracy_std: float
    roc_auc_mean: float
    """Mean over folds (NaN folds, whose test set holds one class, left out)."""
    features: int
    """Features per window the classifier sees."""
    latency_us: float
    """Median time from a filtered 1 s window to a decision, one call at a time (AE rows: the
    deployed path of ``constrae.bench.linear_decision``; baselines: their pipeline's predict)."""
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


def row(task: LoadedTask, method: str, accuracies, aucs, features: int, latency_us: float) -> DecodeRow:
    return DecodeRow(
        task.subject,
        task.name,
        method,
        float(np.mean(accuracies)),
        float(np.std(accuracies)),
        float(np.nanmean(aucs)),
        features,
        latency_us,
        accuracies,
    )


def baseline_rows(task: LoadedTask, y_N: np.ndarray, splits, crops: Crops) -> list[DecodeRow]:
    epochs_NCW, mne_labels_N = mne_protocol_epochs(task.paths, task.classes, task.offset_seconds, task.trial_seconds)
    if list(mne_labels_N) != list(task.trials.labels_N):
        raise DataError(
            f"{task.name}: MNE's epochs ({len(mne_labels_N)}) do not line up with the trials "
            f"({len(task.trials.labels_N)})"
        )
    causal_windows = functools.partial(causal_band_windows, window=task_window(task))
    causal_NCW = task.trials.gather(task.recordings, causal_windows)
    n_channels = epochs_NCW.shape[1]
    trials_themselves = (lambda train_N: train_N, y_N)
    methods = [
        ("CSP+LDA (MNE protocol)", csp_lda, epochs_NCW, epochs_NCW, trials_themselves, CSP_COMPONENTS),
        ("CSP+LDA (causal IIR filter)", csp_lda, causal_NCW, causal_NCW, trials_themselves, CSP_COMPONENTS),
        (
            "tangent space+LR (pyriemann)",
            tangent_space_lr,
            epochs_NCW,
            epochs_NCW,
            trials_themselves,
            n_channels * (n_channels + 1) // 2,
        ),
    ]
    if len(crops.trial_M) > len(y_N):
        crops_MCW = crops.trials.gather(task.recordings, causal_windows)
        fitted_on = (functools.partial(of_trials, crops), y_N[crops.trial_M])
        methods.insert(2, ("CSP+LDA (causal, crops)", csp_lda, crops_MCW, causal_NCW, fitted_on, CSP_COMPONENTS))
    rows = []
    for method, make, X_fit, X_test, (rows_of, y_fit), features in methods:
        accuracies, aucs = [], []
        for train_N, test_N in splits:
            fit_rows = rows_of(train_N)
            pipeline = make().fit(X_fit[fit_rows], y_fit[fit_rows])
            accuracy, auc = accuracy_and_auc(pipeline.decision_function(X_test[test_N]), y_N[test_N])
            accuracies.append(accuracy)
            aucs.append(auc)
        latency = median_latency_us(functools.partial(pipeline.predict, X_test[:1]))
        rows.append(row(task, method, accuracies, aucs, features, latency))
    return rows


def task_window(task: LoadedTask) -> int:
    """Samples in a trial's window."""
    return int(round(task.trial_seconds * task.recordings[0].sfreq))


def task_crops(task: LoadedTask, crop_seconds: float) -> Crops:
    n_samples = [recording.n_samples for recording in task.recordings]
    sfreq = task.recordings[0].sfreq
    return crops_of(task.trials, sfreq, n_samples, task_window(task), crop_seconds, CROP_HOP_SECONDS)


class FoldInputs(NamedTuple):
    """One fold's data for an autoencoder, with preprocessing fitted on its training windows only."""

    preprocessing: Preprocessing
    X_train: np.ndarray
    """(windows, features) model inputs of every sliding window that overlaps no test trial."""
    X_trials: np.ndarray
    """(trials, features) model inputs of every trial (train and test)."""
    trial_windows_NCW: np.ndarray
    """Filtered trial windows (trials, channels, samples), before standardisation."""
    training_starts: list[np.ndarray]
    """Per recording, the first sample of each of its windows in ``X_train``."""

    @property
    def segment_starts(self) -> list[int]:
        """First row of each recording in ``X_train`` (rows are in recording, then time order)."""
        return np.concatenate([[0], np.cumsum([len(s) for s in self.training_starts])[:-1]]).astype(int).tolist()


def fold_inputs(task: LoadedTask, test_N: np.ndarray, representation: Representation) -> FoldInputs:
    trials = task.trials
    spans = [trials.spans_in(i, test_N) for i in range(len(task.recordings))]
    config = EEGConfig(
        window_seconds=task.trial_seconds, hop_seconds=TRAINING_HOP_SECONDS, representation=representation
    )
    preprocessing = Preprocessing.fit(task.recordings, config, spans)
    training_starts = [
        preprocessing.training_starts(recording, spans_S2) for recording, spans_S2 in zip(task.recordings, spans)
    ]
    parts = [preprocessing.model_inputs(rec, starts) for rec, starts in zip(task.recordings, training_starts)]
    trial_windows_NCW = trials.gather(task.recordings, preprocessing.filtered_windows)
    X_trials = preprocessing.represent(preprocessing.standardize(trial_windows_NCW))
    return FoldInputs(preprocessing, np.concatenate(parts), X_trials, trial_windows_NCW, training_starts)


def crop_model_inputs(task: LoadedTask, fold: FoldInputs, crops: Crops, rows_M: np.ndarray) -> np.ndarray:
    """(crops, features) model inputs of the crops ``rows_M``, through the fold's preprocessing."""
    chosen = Trials(*(field[rows_M] for field in crops.trials))
    windows_MCW = chosen.gather(task.recordings, fold.preprocessing.filtered_windows)
    return fold.preprocessing.represent(fold.preprocessing.standardize(windows_MCW))


def with_labelled_crops(X_train: np.ndarray, X_crops: np.ndarray, y_crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A labelled variant's training set: the fold's windows unlabelled, and the training trials'
    crops with their trials' classes (the windows its classifier is fitted on)."""
    labels_W = np.concatenate([np.full(len(X_train), UNLABELLED, np.int64), y_crops.astype(np.int64)])
    return np.concatenate([X_train, X_crops]), labels_W


def autoencoder_rows(
    task: LoadedTask, variants: list[AEVariant], y_N: np.ndarray, splits, crops: Crops, bar
) -> list[DecodeRow]:
    """Per fold: fit preprocessing and AEs (teachers first) on training windows, a classifier on the codes
    of the training trials' crops; classify the test trials' codes.

    Latency: the last fold's model and classifier on the path a user deploys (``DeployedDecoder``)."""
    representations = list(dict.fromkeys(v.representation for v in variants))
    scores: dict[tuple[str, str], tuple[list[float], list[float]]] = {
        (v.name, c): ([], []) for v in variants for c in CLASSIFIERS
    }
    last: dict[tuple[str, str], tuple[FoldInputs, Autoencoder, object]] = {}
    for train_N, test_N in splits:
        inputs = {representation: fold_inputs(task, test_N, representation) for representation in representations}
        fit_rows = of_trials(crops, train_N)
        y_fit = y_N[crops.trial_M[fit_rows]]
        crop_inputs = {
            representation: crop_model_inputs(task, fold, crops, fit_rows) for representation, fold in inputs.items()
        }
        models: dict[str, Teacher] = {}
        for variant in training_order(variants):
            fold = inputs[variant.representation]
            teacher = models[variant.teacher] if variant.teacher is not None else None
            X_W, labels_W = fold.X_train, None
            if variant.labelled:
                X_W, labels_W = with_labelled_crops(fold.X_train, crop_inputs[variant.representation], y_fit)
            model = train_autoencoder(variant, X_W, teacher, labels_W)
            models[variant.name] = Teacher(model, fold.preprocessing, variant.name)
            with torch.no_grad():
                codes_NH = model.encode(torch.from_numpy(fold.X_trials)).numpy()
                codes_MH = model.encode(torch.from_numpy(crop_inputs[variant.representation])).numpy()
            for name, make in CLASSIFIERS.items():
                classifier = make().fit(codes_MH, y_fit)
                accuracy, auc = accuracy_and_auc(classifier.decision_function(codes_NH[test_N]), y_N[test_N])
                scores[(variant.name, name)][0].append(accuracy)
                scores[(variant.name, name)][1].append(auc)
                last[(variant.name, name)] = (fold, model, classifier)
        bar.update(1)
    rows = []
    for (variant_name, classifier_name), (accuracies, aucs) in scores.items():
        fold, model, classifier = last[(variant_name, classifier_name)]
        decoder = DeployedDecoder(model, fold.preprocessing, classifier)
        latency = median_latency_us(functools.partial(decoder.decide, fold.trial_windows_NCW[0]))
        method = f"AE {variant_name} + {classifier_name}"
        rows.append(row(task, method, accuracies, aucs, model.config.hidden_size, latency))
    return rows


def evaluate(
    tasks: Iterable[LoadedTask],
    variants: list[AEVariant],
    folds: int,
    progress: bool = True,
    n_tasks: int | None = None,
    crop_seconds: float = CROP_REACH_SECONDS,
) -> list[DecodeRow]:
    """Every baseline and every AE variant x classifier on every task, on the same splits; the AE
    classifiers fitted on the training trials' crops within +-``crop_seconds`` (0: their windows alone).

    ``tasks`` may be a generator that loads each one when its turn comes, so that one
    subject's recordings are in memory at a time; ``n_tasks`` then sizes the progress bar.
    On one thread (``constrae.inference.threads``): the latencies are per-call figures."""
    training_order(variants)  # refuses an unknown teacher or a cycle before any training
    if n_tasks is None:
        tasks = list(tasks)
        n_tasks = len(tasks)
    rows = []
    with one_thread(), tqdm(total=n_tasks * folds, desc="decode (subject x task x fold)", disable=not progress) as bar:
        for task in tasks:
            bar.set_postfix_str(f"{task.subject} {task.name}")
            second_class = task.classes[1]
            y_N = (task.trials.labels_N == second_class).astype(int)
            splits = splits_for(len(y_N), folds)
            crops = task_crops(task, crop_seconds)
            rows += baseline_rows(task, y_N, splits, crops)
            rows += autoencoder_rows(task, variants, y_N, splits, crops, bar)
    return rows
