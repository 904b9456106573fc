"""``constrae bench discrete``: continuous against binary codes of the same model on S001.

The decode benchmark's protocol (``constrae.bench.decode``): per ShuffleSplit fold the
preprocessing and a phase-1 autoencoder are fitted on the windows outside the test
trials, without labels. Phase 2 (``constrae.discrete.phase2``) then turns that same
model into binary units on the same windows. Rows: shrinkage LDA on the continuous
codes, LDA on the bits of the phase-1 model thresholded at pre-activation 0 (no phase
2), the continuous codes sigmoid(a / T) of the phase-2 model (the same weights as its
bits), and on the bits after phase 2, a Hamming nearest-neighbour vote and logistic
regression on the packed bits. A second table runs phase 2 again with a logic rule set
(``RULES``) and with a visibility-graph term (``GRAPH``) added, against phase 2 alone.
Encode latency: median time of one model input (the
tangent vector) through ``NumpyEncoder`` to its codes, packed into bytes for bits.
Shapes: ``n`` trials, ``h`` units.
"""

from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from constrae.bench.decode import accuracy_and_auc, fold_inputs, median_latency_us, splits_for
from constrae.bench.tasks import LoadedTask
from constrae.bench.variants import CLASSIFIERS, AEVariant, train_autoencoder, variant_config
from constrae.constraints import TrainingRows, build_constraint
from constrae.core.model import InferenceEncoder
from constrae.core.trainer import split_indices
from constrae.discrete.bits import BitsLogisticRegression, HammingNearestNeighbors, pack_bits
from constrae.discrete.phase2 import Phase2Config, discretize
from constrae.errors import UnsupportedError
from constrae.inference.numpy_from_torch import numpy_encoder
from constrae.inference.threads import one_thread

PHASE1 = AEVariant(
    "sigmoid (tangent)",
    "tangent_space",
    {"hidden_size": 256, "activation": "sigmoid"},
    [{"name": "weight_decay", "lam": 1e-5}],
    {"epochs": 30, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0},
)
"""The phase-1 model: sigmoid units, whose 0.5 cut is the binary units' threshold at a = 0."""

PHASE2 = Phase2Config(anneal_epochs=10, finetune_epochs=10, finetune_encoder=False, batch_size=64)
CONSTRAINED_PHASE2 = Phase2Config(
    anneal_epochs=30,
    finetune_epochs=30,
    finetune_encoder=True,
    batch_size=32,
    lr=2e-2,
    learn_threshold=True,
    train_encoder_weights=False,
    val_fraction=0.2,
)
"""Phase 2 of the constraint table. With 2080 inputs and about 700 training windows the
encoder's weights can fit a rule to the training windows alone (measured: 1 % violations on
them, 90 % on held-out windows), so here they stay as in phase 1 and the rules and the graph
act through the biases and learned thresholds, which carry over to new windows; turning units
off moves pre-activations of |a| ~ 4 by several units, hence the large learning rate. A rule
that must hold on nearly every window needs offsets of 2-3 times the spread of a unit's
pre-activation over windows (std ~ 4.5 on S001, so 10-15): Adam moves each offset by at most
about lr per step, and 15 + 15 epochs (~500 steps) left the at_least/at_most block half way
(measured: 40 % violations on the training windows as on held-out ones), hence 30 + 30.
20 % of the training windows are held out as validation."""
HAMMING_K = 5
RULES = {
    "name": "logic_rules",
    "lam": 1000.0,
    "groups": {"block": list(range(8))},
    "rules": ["at_most(2, block)", "at_least(1, block)", "implies(u8, u9)", "exclusive(u10, u11)"],
}
"""An arbitrary rule set over the first units: what matters is whether training makes the bits obey it.
lam 1000 makes the rules outweigh the reconstruction (~350 per window): at lam 10 the block's
units settled where both its rules break on ~20 % of windows rather than lose reconstruction."""
GRAPH = {"name": "visibility_graph", "lam": 1.0, "graph": "natural", "series": "log_power", "max_lag": 4}
"""Training windows (hop 0.5 s) linked when visible in the NVG of their log power and at most 2 s apart."""


class ConstraintRow(NamedTuple):
    """Phase 2 with one extra constraint (or none), over all folds."""

    phase2: str
    accuracy_mean: float
    """LDA on the bits of the trials, as in the main table."""
    violation_rate: float
    """Fraction of validation windows (20 % of the training windows, held out) whose bits break a rule of RULES."""
    trial_violation_rate: float
    """The same on the test trials' bits (imagery windows of trials the autoencoder never saw)."""
    edge_distance: float
    """Mean Hamming distance of the bits along the edges of GRAPH over the fold's training windows."""


class DiscreteRow(NamedTuple):
    """One code type x classifier over all folds."""

    method: str
    accuracy_mean: float
    accuracy_std: float
    encode_latency_us: float
    """Median per-window time from model input to codes (bytes for packed bits), one thread."""
    code_bytes: float
    """Storage of one window's code: 4 h for float32, ceil(h / 8) packed."""
    fold_accuracies: list[float]


def _accuracy(classifier, codes_NH, y_N, train_N, test_N) -> float:
    classifier.fit(codes_NH[train_N], y_N[train_N])
    if hasattr(classifier, "decision_function"):
        return accuracy_and_auc(classifier.decision_function(codes_NH[test_N]), y_N[test_N])[0]
    return float(np.mean(classifier.predict(codes_NH[test_N]) == y_N[test_N]))


@torch.no_grad()
def constraint_measures(binary, fold, test_N: np.ndarray, phase2: Phase2Config) -> tuple[float, float, float]:
    """Rule violation rates on the validation windows and on the test trials, mean edge
    Hamming distance over the graph of the training windows (the rows phase 2 trained on)."""
    rules, graph = build_constraint(RULES), build_constraint(GRAPH)
    rules.attach(binary)
    X_windows = torch.from_numpy(fold.X_train)
    train_B, val_B = split_indices(len(X_windows), phase2.val_fraction or 0.0, phase2.seed)
    violation = rules.metrics(binary, binary(X_windows[val_B]))["violation_rate"]
    trials = rules.metrics(binary, binary(torch.from_numpy(fold.X_trials[test_N])))["violation_rate"]
    graph.observe_training_rows(TrainingRows(X_windows, train_B, fold.segment_starts))
    # The graph term's metric reads the training rows it observed, not a batch's output.
    return violation, trials, graph.metrics(binary, binary(X_windows[:1]))["edge_code_distance"]


def evaluate_discrete(
    task: LoadedTask,
    folds: int,
    phase1: AEVariant = PHASE1,
    phase2: Phase2Config = PHASE2,
    constrained: Phase2Config = CONSTRAINED_PHASE2,
    progress: bool = True,
) -> tuple[list[DiscreteRow], list[ConstraintRow]]:
    """The code table and the constraint table over ``folds`` ShuffleSplit folds."""
    y_N = (task.trials.labels_N == task.classes[1]).astype(int)
    accuracies: dict[str, list[float]] = {}
    measures: dict[str, list[tuple[float, ...]]] = {}
    extra = {"none": [], "+ logic_rules": [RULES], "+ visibility_graph": [GRAPH]}
    with one_thread():
        for train_N, test_N in tqdm(splits_for(len(y_N), folds), desc="discrete (fold)", disable=not progress):
            fold = fold_inputs(task, test_N, phase1.representation)
            continuous = train_autoencoder(phase1, fold.X_train)
            config = variant_config(phase1, fold.X_train.shape[1])
            binary = discretize(continuous, config, fold.X_train, phase2, fold.segment_starts).model
            binaries = {
                name: discretize(
                    continuous,
                    config,
                    fold.X_train,
                    replace(constrained, constraints=[*config.constraints, *specs]),
                    fold.segment_starts,
                ).model
                for name, specs in extra.items()
            }
            tests = code_tests(continuous, binary, fold.X_trials)
            with torch.no_grad():
                x_NF = torch.from_numpy(fold.X_trials)
                bits = {name: InferenceEncoder(model)(x_NF).numpy() for name, model in binaries.items()}
            for method, codes_NH, classifier in tests:
                accuracies.setdefault(method, []).append(_accuracy(classifier, codes_NH, y_N, train_N, test_N))
            for name, model in binaries.items():
                accuracy = _accuracy(CLASSIFIERS["LDA"](), bits[name], y_N, train_N, test_N)
                measures.setdefault(name, []).append((accuracy, *constraint_measures(model, fold, test_N, constrained)))
        latency = encode_latencies(continuous, binary, fold.X_trials[:1])
    h = continuous.config.hidden_size
    rows = [
        DiscreteRow(
            method,
            float(np.mean(values)),
            float(np.std(values)),
            latency["continuous" if method.startswith("continuous") else "bits"],
            4 * h if method.startswith("continuous") else -(-h // 8),
            values,
        )
        for method, values in accuracies.items()
    ]
    constraint_rows = [ConstraintRow(name, *map(float, np.mean(values, axis=0))) for name, values in measures.items()]
    return rows, constraint_rows


@torch.no_grad()
def code_tests(continuous, binary, X_trials: np.ndarray) -> list[tuple[str, np.ndarray, Any]]:
    """(method, codes of the trials, classifier) for each way of reading the codes of one fold."""
    x_NF = torch.from_numpy(X_trials)
    float_codes = continuous.encode(x_NF).numpy()
    thresholded = (continuous.pre_activations(x_NF) >= 0).numpy().astype(np.uint8)
    # The phase-2 model read before its step: sigmoid(a / T), the schedule's continuous end.
    probabilities = binary.activation.unit_probabilities(binary.pre_activations(x_NF))
    if probabilities is None:
        raise UnsupportedError("phase 2 gave a model whose units are not binary")
    relaxed = probabilities.numpy()
    phase2_bits = InferenceEncoder(binary)(x_NF).numpy()
    h, packed = continuous.config.hidden_size, pack_bits(phase2_bits)
    return [
        ("continuous codes (float32) + LDA", float_codes, CLASSIFIERS["LDA"]()),
        ("bits, phase 1 thresholded at a = 0 (no phase 2) + LDA", thresholded, CLASSIFIERS["LDA"]()),
        ("continuous codes sigmoid(a/T) of the phase-2 model (float32) + LDA", relaxed, CLASSIFIERS["LDA"]()),
        ("bits after phase 2 + LDA", phase2_bits, CLASSIFIERS["LDA"]()),
        ("bits after phase 2, packed + logistic regression", packed, BitsLogisticRegression(h)),
        (f"bits after phase 2, packed + Hamming {HAMMING_K}-NN", packed, HammingNearestNeighbors(HAMMING_K)),
    ]


def encode_latencies(continuous, binary, x_1F: np.ndarray) -> dict[str, float]:
    """Median per-window NumpyEncoder time: float32 codes, and bits packed to bytes."""
    float_encoder, bit_encoder = numpy_encoder(continuous), numpy_encoder(binary)
    x_1F = np.ascontiguousarray(x_1F, np.float32)
    return {
        "continuous": median_latency_us(lambda: float_encoder(x_1F)),
        "bits": median_latency_us(lambda: np.packbits(bit_encoder(x_1F), axis=1)),
    }


COLUMNS = ("codes + classifier", "accuracy", "std", "encode latency (us)", "code bytes")


def constraint_table(rows: list[ConstraintRow]) -> list[str]:
    lines = [
        "| phase 2 constraints | LDA accuracy on bits | rule violation rate (validation windows) "
        "| rule violation rate (test trials) | mean edge Hamming distance (training graph) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.phase2} | {r.accuracy_mean:.3f} | {r.violation_rate:.3f} | {r.trial_violation_rate:.3f} "
            f"| {r.edge_distance:.2f} |"
        )
    return lines


def discrete_table(rows: list[DiscreteRow]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append(
            f"| {r.method} | {r.accuracy_mean:.3f} | {r.accuracy_std:.3f} "
            f"| {r.encode_latency_us:.1f} | {r.code_bytes:g} |"
        )
    return lines
