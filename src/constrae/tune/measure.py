"""Training one trial's autoencoder and measuring it: FVU, L0, encode latency, probe accuracy.

Shapes: ``b`` rows, ``n`` features, ``h`` codes.
"""

from collections.abc import Callable

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from constrae.bench.timing import time_calls
from constrae.core.build import build
from constrae.core.config import DataConfig, RunConfig
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer, split_indices
from constrae.data.loading import load_training_data
from constrae.inference.select import make_encoder
from constrae.io.run import with_input_size
from constrae.tune.evaluation import EvaluationConfig

EpochHook = Callable[[dict[str, float]], None] | None


def encode_latency_us(
    model: Autoencoder, x_1N: np.ndarray, calls: int, prepare: Callable[[np.ndarray], np.ndarray] | None = None
) -> float:
    """Median time of one call on one row: ``prepare`` (the steps from a window to the model's
    input, when there are any) then the encoder, on the NumPy path when it runs the model, else torch."""
    encode = make_encoder(model)
    prepare = prepare or (lambda row: row)
    row = np.ascontiguousarray(x_1N, dtype=np.float32)
    return time_calls(lambda _: encode(prepare(row)), [None], "back_to_back", calls).p50_us


def probe_accuracy(codes_train_BH: np.ndarray, y_train_B, codes_test_BH: np.ndarray, y_test_B) -> float:
    """Accuracy of a logistic regression fitted on the training codes, on the test codes."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return float(probe.fit(codes_train_BH, y_train_B).score(codes_test_BH, y_test_B))


def labels_of(config: DataConfig) -> np.ndarray:
    """Class indices of a labelled data source (shapes or mnist), in row order."""
    if config.source == "shapes":
        from constrae.data.datasets.shapes import make_shapes

        _, y = make_shapes(config.n_samples or 1000, seed=config.seed)
    else:
        from constrae.data.datasets.mnist import labels_path_for, read_idx
        from constrae.data.loading import data_path

        y = read_idx(labels_path_for(data_path(config))).astype(np.int64)
    return np.asarray(y[: config.n_samples] if config.n_samples else y)


def final_scores(history: list[dict[str, float]]) -> dict[str, float]:
    """FVU and L0 of the last epoch, on the validation split (or training data without one)."""
    last = history[-1]
    prefix = "val/" if "val/fvu" in last else "train/"
    return {name: last[prefix + name] for name in ("fvu", "l0") if prefix + name in last}


@torch.no_grad()
def train_fvu_l0(model: Autoencoder, X_BN: np.ndarray) -> dict[str, float]:
    from constrae.core.metrics import code_metrics

    x_BN = torch.from_numpy(X_BN)
    output = model(x_BN)
    summary = code_metrics(
        model.reconstruction_target(x_BN), output.reconstruction_BN, output.codes_BH, model.activation.active_threshold
    ).summary()
    return {"fvu": summary["fvu"], "l0": summary["l0"]}


def measure_on_data(
    config: RunConfig, evaluation: EvaluationConfig, measures: list[str], on_epoch: EpochHook
) -> dict[str, float]:
    """Train ``config`` as ``constrae train`` would (same data, split and seed) and measure it."""
    X = load_training_data(config.data).X
    config = with_input_size(config, X)
    model, objective = build(config)
    history = Trainer(model, objective, config, progress=False, on_epoch=on_epoch).fit(torch.from_numpy(X))
    scores = final_scores(history)
    if "fvu" not in scores:
        scores = train_fvu_l0(model, X)
    if "latency_us" in measures:
        scores["latency_us"] = encode_latency_us(model, X[:1], evaluation.latency_calls)
    if "accuracy" in measures:
        y = labels_of(config.data)
        train_idx, val_idx = split_indices(len(X), config.train.val_fraction, config.train.seed)
        with torch.no_grad():
            codes_BH = model.encode(torch.from_numpy(X)).numpy()
        scores["accuracy"] = probe_accuracy(codes_BH[train_idx], y[train_idx], codes_BH[val_idx], y[val_idx])
    return scores
