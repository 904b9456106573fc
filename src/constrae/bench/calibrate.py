"""``constrae bench calibrate``: how many labelled trials a new user needs, with features
pretrained on other people against the per-user pipelines.

Each subject is held out in turn; its population is every other subject plus the
population-only folders. Per held-out subject, each AE variant is trained three ways
(without labels): on the population, each subject aligned on their own trial-free windows
(``aligned``); on the population through one preprocessing fitted on all of them
(``not aligned``, the measure of what alignment brings); and on the held-out subject's own
trial-free windows (``subject``). For each ``k`` and draw (``calibration_draws``), shrinkage
LDA on the codes of the k calibration trials per class is tested on the subject's other
trials; the same LDA also on the population's labelled trials besides the k (aligned codes of
different people are comparable); next to CSP+LDA and tangent space + LR fitted on the same
trials, and the Riemannian transfer baseline: logistic regression on re-centred tangent
vectors of every population trial (labelled) and the k trials.
"""

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression

from constrae.bench.baselines import csp_lda, tangent_space_lr
from constrae.bench.calibration_draws import TrialsPerClass, calibration_draw
from constrae.bench.calibration_subjects import CalibrationSubject, fit_on_stretches, trial_free_stretches
from constrae.bench.decode import accuracy_and_auc, median_latency_us
from constrae.bench.linear_decision import DeployedDecoder
from constrae.bench.variants import AEVariant, train_autoencoder
from constrae.core.model import Autoencoder
from constrae.data import Preprocessing
from constrae.data.preprocessing import Representation
from constrae.inference.threads import one_thread

TRANSFER_METHOD = "tangent space+LR, re-centred, population + subject trials"
SUBJECT_BASELINES = ("CSP+LDA (MNE protocol)", "tangent space+LR (pyriemann)")


class CalibrationRow(NamedTuple):
    """One method for one held-out subject and one calibration size, over the draws."""

    subject: str
    method: str
    k: TrialsPerClass
    """Calibration trials per class, or "all" (80 % of the trials)."""
    accuracy_mean: float
    roc_auc_mean: float
    latency_us: float
    """Median time from a filtered window to a decision (the decoder fitted on the last draw)."""


def shrinkage_lda() -> LinearDiscriminantAnalysis:
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")


class FeatureMethod(NamedTuple):
    """A method that classifies fixed per-trial features of the held-out subject."""

    features_N: np.ndarray
    make: Callable
    """A fresh classifier with ``fit`` and ``decision_function``."""
    decide: Callable[[Any], Callable[[], object]]
    """Given the fitted classifier: one timed decision."""
    extra_X: np.ndarray | None = None
    """Labelled rows always added to the calibration trials (the population's trials)."""
    extra_y: np.ndarray | None = None


def ae_method(
    model: Autoencoder, preprocessing: Preprocessing, subject: CalibrationSubject, rep: Representation
) -> FeatureMethod:
    with torch.no_grad():
        codes_NH = model.encode(torch.from_numpy(subject_inputs(subject, rep, preprocessing))).numpy()
    window_CW = subject.inputs[rep].filtered_trials_NCW[0]
    return FeatureMethod(
        codes_NH,
        shrinkage_lda,
        lambda lda: functools.partial(DeployedDecoder(model, preprocessing, lda).decide, window_CW),
    )


def subject_inputs(subject: CalibrationSubject, rep: Representation, preprocessing: Preprocessing) -> np.ndarray:
    """The held-out trials through ``preprocessing`` (its own alignment, or a population's)."""
    aligned = subject.inputs[rep]
    if preprocessing is aligned.preprocessing:
        return aligned.trials
    return preprocessing.represent(preprocessing.standardize(aligned.filtered_trials_NCW))


def pipeline_method(subject: CalibrationSubject, make: Callable) -> FeatureMethod:
    epochs = subject.epochs_NCW
    return FeatureMethod(epochs, make, lambda pipeline: functools.partial(pipeline.predict, epochs[:1]))


def transfer_method(subject: CalibrationSubject, population: list[CalibrationSubject]) -> FeatureMethod:
    aligned = subject.inputs["tangent_space"]
    preprocessing = aligned.preprocessing
    window_NCW = aligned.filtered_trials_NCW[:1]

    def decide(lr):
        return lambda: lr.decision_function(preprocessing.represent(preprocessing.standardize(window_NCW)))

    return FeatureMethod(
        aligned.trials,
        lambda: LogisticRegression(max_iter=2000),
        decide,
        np.concatenate([p.inputs["tangent_space"].trials for p in population]),
        np.concatenate([p.y_N for p in population]),
    )


def unaligned_preprocessing(population: list[CalibrationSubject], rep: Representation) -> Preprocessing:
    """One preprocessing fitted on every population subject's trial-free stretches together."""
    return fit_on_stretches([s for p in population for s in trial_free_stretches(p.task)], rep)


def population_methods(
    subject: CalibrationSubject, population: list[CalibrationSubject], variants: list[AEVariant]
) -> dict[str, FeatureMethod]:
    """Every method for one held-out subject, its models trained (no labels) on the population."""
    methods: dict[str, FeatureMethod] = {}
    for variant in variants:
        rep = variant.representation
        pooled = np.concatenate([p.inputs[rep].windows for p in population])
        model = train_autoencoder(variant, pooled)
        del pooled
        aligned = ae_method(model, subject.inputs[rep].preprocessing, subject, rep)
        methods[f"population AE {variant.name} (aligned) + LDA"] = aligned
        with torch.no_grad():
            population_codes = [model.encode(torch.from_numpy(p.inputs[rep].trials)).numpy() for p in population]
        methods[f"population AE {variant.name} (aligned) + LDA on population and subject trials"] = aligned._replace(
            extra_X=np.concatenate(population_codes), extra_y=np.concatenate([p.y_N for p in population])
        )
        shared = unaligned_preprocessing(population, rep)
        unaligned = np.concatenate([shared.model_inputs(r) for p in population for r in p.task.recordings])
        model = train_autoencoder(variant, unaligned)
        del unaligned
        methods[f"population AE {variant.name} (not aligned) + LDA"] = ae_method(model, shared, subject, rep)
        model = train_autoencoder(variant, subject.inputs[rep].rest)
        methods[f"subject AE {variant.name} + LDA"] = ae_method(model, subject.inputs[rep].preprocessing, subject, rep)
    methods[SUBJECT_BASELINES[0]] = pipeline_method(subject, csp_lda)
    methods[SUBJECT_BASELINES[1]] = pipeline_method(subject, tangent_space_lr)
    methods[TRANSFER_METHOD] = transfer_method(subject, population)
    return methods


def held_out_rows(
    subject: CalibrationSubject,
    population: list[CalibrationSubject],
    variants: list[AEVariant],
    ks: list[TrialsPerClass],
    draws: int,
    seed: int,
) -> list[CalibrationRow]:
    """Every method at every k for one held-out subject, over ``draws`` draws of its calibration trials."""
    with one_thread():
        methods = population_methods(subject, population, variants)
        rows = []
        for k in ks:
            for name, method in methods.items():
                accuracies, aucs, fitted = [], [], None
                for draw in range(draws):
                    split = calibration_draw(subject.y_N, k, np.random.default_rng([seed, draw]))
                    X = method.features_N[split.calibration_N]
                    y = subject.y_N[split.calibration_N]
                    if method.extra_X is not None:
                        X, y = np.concatenate([method.extra_X, X]), np.concatenate([method.extra_y, y])
                    fitted = method.make().fit(X, y)
                    scores_N = fitted.decision_function(method.features_N[split.test_N])
                    accuracy, auc = accuracy_and_auc(scores_N, subject.y_N[split.test_N])
                    accuracies.append(accuracy)
                    aucs.append(auc)
                latency = median_latency_us(method.decide(fitted))
                rows.append(
                    CalibrationRow(subject.name, name, k, float(np.mean(accuracies)), float(np.nanmean(aucs)), latency)
                )
    return rows
