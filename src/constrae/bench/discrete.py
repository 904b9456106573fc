"""``constrae bench discrete``: continuous against binary codes of the same model on S001.

The decode benchmark's protocol (``constrae.bench.decode``): per ShuffleSplit fold the
preprocessing and a phase-1 autoencoder are fitted on the windows outside the test
trials, without labels. Phase 2 (``constrae.discrete.phase2``) then turns that same
model into binary units on the same windows. Rows: shrinkage LDA on the continuous
codes, LDA on the bits of the phase-1 model thresholded at pre-activation 0 (no phase
2), and on the bits after phase 2, a Hamming nearest-neighbour vote and logistic
regression on the packed bits. Encode latency: median time of one model input (the
tangent vector) through ``NumpyEncoder`` to its codes, packed into bytes for bits.
Shapes: ``n`` trials, ``h`` units.
"""

from typing import NamedTuple

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from constrae.bench.decode import (
    CLASSIFIERS, AEVariant, accuracy_and_auc, fold_inputs, median_latency_us, splits_for, train_autoencoder,
    variant_config,
)
from constrae.bench.tasks import TASKS, LoadedTask
from constrae.bits import BitsLogisticRegression, HammingNearestNeighbors, pack_bits
from constrae.discrete.phase2 import Phase2Config, discretize
from constrae.fastpath import NumpyEncoder
from constrae.model import InferenceEncoder

PHASE1 = AEVariant(
    "sigmoid (tangent)", "tangent_space", {"hidden_size": 256, "activation": "sigmoid"},
    [{"name": "weight_decay", "lam": 1e-5}], {"epochs": 30, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0},
)
"""The phase-1 model: sigmoid units, whose 0.5 cut is the binary units' threshold at a = 0."""

PHASE2 = Phase2Config(anneal_epochs=10, finetune_epochs=10, finetune_encoder=False, batch_size=64)
HAMMING_K = 5


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


def _binary_accuracy(classifier, codes_train, y_train, codes_test, y_test) -> float:
    classifier.fit(codes_train, y_train)
    if hasattr(classifier, "decision_function"):
        return accuracy_and_auc(classifier.decision_function(codes_test), y_test)[0]
    return float(np.mean(classifier.predict(codes_test) == y_test))


def evaluate_discrete(task: LoadedTask, folds: int, phase1: AEVariant = PHASE1, phase2: Phase2Config = PHASE2,
                      progress: bool = True) -> list[DiscreteRow]:
    torch.set_num_threads(1)
    y_N = (task.trials.labels_N == list(TASKS[task.name].classes)[1]).astype(int)
    accuracies: dict[str, list[float]] = {}
    last = {}
    with threadpool_limits(1):
        for train_N, test_N in tqdm(splits_for(len(y_N), folds), desc="discrete (fold)", disable=not progress):
            fold = fold_inputs(task, test_N, phase1.representation)
            continuous = train_autoencoder(phase1, fold.X_train)
            config = variant_config(phase1, fold.X_train.shape[1])
            binary = discretize(continuous, config, fold.X_train, phase2, fold.segment_starts).model
            with torch.no_grad():
                x_NF = torch.from_numpy(fold.X_trials)
                codes = {
                    "continuous": continuous.encode(x_NF).numpy(),
                    "phase-1 pre-activations >= 0": (continuous.pre_activations(x_NF) >= 0).numpy().astype(np.uint8),
                    "phase 2": InferenceEncoder(binary)(x_NF).numpy(),
                }
            h = continuous.config.hidden_size
            tests = [
                ("continuous codes (float32) + LDA", codes["continuous"], CLASSIFIERS["LDA"]()),
                ("bits, phase 1 thresholded (no phase 2) + LDA", codes["phase-1 pre-activations >= 0"],
                 CLASSIFIERS["LDA"]()),
                ("bits after phase 2 + LDA", codes["phase 2"], CLASSIFIERS["LDA"]()),
                ("bits after phase 2, packed + logistic regression", pack_bits(codes["phase 2"]),
                 BitsLogisticRegression(h)),
                (f"bits after phase 2, packed + Hamming {HAMMING_K}-NN", pack_bits(codes["phase 2"]),
                 HammingNearestNeighbors(HAMMING_K)),
            ]
            for method, codes_NH, classifier in tests:
                accuracy = _binary_accuracy(classifier, codes_NH[train_N], y_N[train_N], codes_NH[test_N], y_N[test_N])
                accuracies.setdefault(method, []).append(accuracy)
            last = {"continuous": continuous, "binary": binary, "x_1F": fold.X_trials[:1]}
        latency = encode_latencies(last["continuous"], last["binary"], last["x_1F"])
    h = last["continuous"].config.hidden_size
    rows = []
    for method, values in accuracies.items():
        packed = "packed" in method or "bits" in method
        rows.append(DiscreteRow(method, float(np.mean(values)), float(np.std(values)),
                                latency["bits"] if packed else latency["continuous"],
                                -(-h // 8) if packed else 4 * h, values))
    return rows


def encode_latencies(continuous, binary, x_1F: np.ndarray) -> dict[str, float]:
    """Median per-window NumpyEncoder time: float32 codes, and bits packed to bytes."""
    float_encoder, bit_encoder = NumpyEncoder.from_model(continuous), NumpyEncoder.from_model(binary)
    x_1F = np.ascontiguousarray(x_1F, np.float32)
    return {
        "continuous": median_latency_us(lambda: float_encoder(x_1F)),
        "bits": median_latency_us(lambda: np.packbits(bit_encoder(x_1F), axis=1)),
    }


COLUMNS = ("codes + classifier", "accuracy", "std", "encode latency (us)", "code bytes")


def discrete_table(rows: list[DiscreteRow]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append(f"| {r.method} | {r.accuracy_mean:.3f} | {r.accuracy_std:.3f} "
                     f"| {r.encode_latency_us:.1f} | {r.code_bytes:g} |")
    return lines
