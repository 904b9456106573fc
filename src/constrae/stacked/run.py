"""A stacked-autoencoder run in a folder, as ``constrae train-stack`` makes it: the
saved stack, summary.json with the accuracy table, and figures."""

import json
import math
from pathlib import Path

import numpy as np
import torch

from constrae.data.datasets.shapes import SHAPE_NAMES, make_shapes
from constrae.data.loading import check_matrix, data_path, read_npy
from constrae.errors import ConfigError, DataError
from constrae.io.atomic import atomic_write_text
from constrae.io.run import check_new_run_folder
from constrae.plots.tables import markdown_table
from constrae.stacked.config import LabelledDataConfig, StackRunConfig
from constrae.stacked.estimator import StackedAutoencoderClassifier, check_labels

SUMMARY_FILE = "summary.json"
FIGURES_DIR = "figures"


def load_labelled(config: LabelledDataConfig, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) that ``config`` names: float32 (samples, features) and one label per row."""
    if config.source == "shapes":
        X, y = make_shapes(config.n_samples, seed=config.seed)
    elif config.source == "mnist":
        from constrae.data.datasets.mnist import load_mnist

        X, mnist_labels = load_mnist(data_path(config), config.labels_path)
        y = mnist_labels if mnist_labels is not None else np.zeros(0, np.int64)
    else:
        if config.labels_path is None:
            raise ConfigError(f"{where}.labels_path is required for {config.source!r} data")
        X, y = read_npy(data_path(config)), read_npy(config.labels_path)
    X = check_matrix(X, f"{where} ({config.path or 'shapes'})")
    y = check_labels(y, len(X), f"{where} labels ({config.labels_path or 'shapes'})")
    if config.rows is not None:
        start, stop = config.rows
        if stop > len(X):
            raise DataError(f"{where}.rows: stop {stop} is past the {len(X)} samples read")
        X, y = X[start:stop], y[start:stop]
    return X, y


def accuracy_rows(classifier: StackedAutoencoderClassifier, splits: dict[str, tuple]) -> list[list[str]]:
    """Accuracy before and after fine-tuning on each named (X, y) split."""
    return [
        [name, f"{classifier.frozen_score(X, y):.1%}", f"{classifier.score(X, y):.1%}"]
        for name, (X, y) in splits.items()
    ]


def train_stack_run(config: StackRunConfig, run_dir: str | Path, progress: bool = False) -> dict:
    """Train the stack of ``config`` into a new ``run_dir``; returns the summary."""
    run_dir = Path(run_dir)
    check_new_run_folder(run_dir)
    splits = {"train": load_labelled(config.data, "data")}
    if config.test is not None:
        splits["test"] = load_labelled(config.test, "test")
        # Checked before training, which would otherwise be wasted on an unscorable test set.
        unseen = np.setdiff1d(splits["test"][1], splits["train"][1])
        if len(unseen):
            raise DataError(f"test labels {unseen.tolist()[:5]} do not occur in the training data")
    stack = config.stack().to_mapping()
    classifier = StackedAutoencoderClassifier(stack["layers"], stack["softmax"], stack["finetune"], verbose=progress)
    classifier.fit(*splits["train"])
    table = markdown_table(["split", "frozen stack", "fine-tuned"], accuracy_rows(classifier, splits))
    classifier.save(run_dir)
    summary = {"samples": {k: len(X) for k, (X, _) in splits.items()}, "table": table, "history": classifier.history_}
    atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2))
    class_names = SHAPE_NAMES if config.data.source == "shapes" else None
    write_stack_figures(classifier, *splits[list(splits)[-1]], run_dir / FIGURES_DIR, class_names)
    return summary


@torch.no_grad()
def write_stack_figures(
    classifier: StackedAutoencoderClassifier,
    X: np.ndarray,
    y: np.ndarray,
    folder: Path,
    class_names=None,
    label: str = "pre-trained",
) -> list[Path]:
    """Weight grid per layer (titled with ``label``), confusion matrix on (X, y), reconstructions
    by the pre-trained first layer (fine-tuning changes encoders, not decoders)."""
    from constrae.plots import classifier as classifier_plots
    from constrae.plots.autoencoder import save_figure

    written = [
        save_figure(figure, folder / f"weights_layer_{index}.png")
        for index, figure in enumerate(classifier_plots.layer_weight_grids(classifier.frozen_network_, label), start=1)
    ]
    names = list(class_names) if class_names is not None else [str(c) for c in classifier.classes_]
    predicted = np.searchsorted(classifier.classes_, classifier.predict(X))
    truth = np.searchsorted(classifier.classes_, y)
    confusion = classifier_plots.confusion_matrix(truth, predicted, names, title="fine-tuned")
    written.append(save_figure(confusion, folder / "confusion.png"))
    side = math.isqrt(X.shape[1])
    if side * side == X.shape[1]:
        first = classifier.frozen_network_.layers[0]
        x_BN = torch.from_numpy(X[:10])
        pictures = classifier_plots.reconstructions(X[:10], first.decode(first.encode(x_BN)).numpy(), (side, side))
        written.append(save_figure(pictures, folder / "reconstructions.png"))
    return written
