"""Linear-probe error of autoencoder codes on MNIST, against logistic regression on pixels.

Only MNIST's 10,000-image test split is available here, so it is split once, in file
order: the first 8,000 images train the autoencoders and the probes, the last 2,000
measure the error. Every representation gets the same probe: softmax regression with
weight decay PROBE_DECAY, 100 full-batch L-BFGS iterations.

    python benchmarks/mnist_linear_probe.py            # the full table, ~10 minutes
    python benchmarks/mnist_linear_probe.py --quick    # a small version (tests run it)
"""

import argparse
import time
from pathlib import Path

import torch

from constrae import RunConfig, Trainer, build
from constrae.core.config import ModelConfig, TrainConfig
from constrae.data.datasets.mnist import load_mnist
from constrae.plots.tables import markdown_table
from constrae.stacked.softmax import ClassifierTrainConfig, linear_probe

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
PROBE_DECAY = 1e-4
KL = {"name": "kl_sparsity", "rho": 0.05, "beta": 3}
DECAY = {"name": "weight_decay", "lam": 1e-5}
SIGMOID = {"activation": "sigmoid", "decoder_output": "sigmoid"}


def variants(k_values=(10, 25, 40)) -> dict[str, tuple[dict, str, list[dict]]]:
    """Name -> (model keys, reconstruction loss, constraints)."""
    table = {
        "plain AE": ({"hidden_size": 1000, **SIGMOID}, "cross_entropy", [DECAY]),
        "sparse (KL) AE": ({"hidden_size": 1000, **SIGMOID}, "cross_entropy", [KL, DECAY]),
        "denoising AE (q=0.25)": (
            {"hidden_size": 1000, **SIGMOID},
            "cross_entropy",
            [{"name": "denoising", "kind": "masking", "q": 0.25}, DECAY],
        ),
        "contractive AE": (
            {"hidden_size": 1000, **SIGMOID},
            "cross_entropy",
            [{"name": "contractive", "lam": 0.1}, DECAY],
        ),
    }
    for k in k_values:
        # Makhzani & Frey: tied weights, linear decoder, squared error.
        table[f"k-sparse AE (k={k})"] = (
            {"hidden_size": 1000, "activation": "topk", "activation_params": {"k": k}, "tied": True},
            "mse",
            [],
        )
    table["DrSAE (T=5)"] = (
        {"hidden_size": 400, "encoder": "lista", "encoder_params": {"steps": 5}, "activation": "relu"},
        "mse",
        [
            {"name": "l1_codes", "lam": 0.2},
            {"name": "discriminative", "lam": 1.0, "n_classes": 10},
            {"name": "unit_norm_decoder"},
        ],
    )
    return table


def probe_error(train_BF, y_train, test_BF, y_test, epochs: int) -> float:
    """Test error of softmax regression fitted on ``train_BF``."""
    head = linear_probe(train_BF, y_train, 10, ClassifierTrainConfig(epochs=epochs, weight_decay=PROBE_DECAY))
    with torch.no_grad():
        return float((head(test_BF).argmax(dim=1) != y_test).float().mean())


def train_variant(model: dict, loss: str, constraints: list[dict], X, y, epochs: int):
    config = RunConfig(
        model=ModelConfig(**model),
        loss=loss,
        constraints=constraints,
        train=TrainConfig(optimizer="adam", lr=1e-3, batch_size=100, epochs=epochs, val_fraction=0.0, seed=0),
    )
    config.model.input_size = X.shape[1]
    autoencoder, objective = build(config)
    Trainer(autoencoder, objective, config, progress=False).fit(X, y_B=y if objective.needs_labels else None)
    return autoencoder, objective


def run(quick: bool = False, only: tuple[str, ...] | None = None, log=None) -> list[list[str]]:
    """Table rows: raw pixels, then every variant (or those named in ``only``);
    ``log`` is called with each row as it is done."""
    n_images = 3000 if quick else 10000
    X, y = load_mnist(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz", n_samples=n_images)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    n_train = int(n_images * 0.8)
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    ae_epochs, probe_epochs = (2, 3) if quick else (8, 5)
    error = probe_error(X_train, y_train, X_test, y_test, probe_epochs)
    rows = [["raw pixels (logistic regression)", 784, "-", f"{error:.2%}", "-"]]
    report = log or (lambda row: None)
    report(rows[-1])
    for name, (model, loss, constraints) in variants().items():
        if only is not None and name not in only:
            continue
        started = time.perf_counter()
        autoencoder, objective = train_variant(model, loss, constraints, X_train, y_train, ae_epochs)
        seconds = time.perf_counter() - started
        with torch.no_grad():
            codes_train, codes_test = autoencoder.encode(X_train), autoencoder.encode(X_test)
        active = (codes_test.abs() > autoencoder.activation.active_threshold).sum(dim=1).float().mean()
        error = probe_error(codes_train, y_train, codes_test, y_test, probe_epochs)
        rows.append([name, codes_test.shape[1], f"{active:.1f}", f"{error:.2%}", f"{seconds:.0f}"])
        report(rows[-1])
        for head in (c for c in objective.constraints if c.needs_labels):
            with torch.no_grad():
                own = float((head.class_probabilities(codes_test).argmax(dim=1) != y_test).float().mean())
            rows.append([f"{name}, its own classifier W_c", codes_test.shape[1], f"{active:.1f}", f"{own:.2%}", "-"])
            report(rows[-1])
    return rows


HEADER = ["codes", "units", "L0 (test)", "test error", "AE train s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 images and a few epochs")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = run(args.quick, log=lambda row: print("done:", " | ".join(map(str, row)), flush=True))
    print(f"MNIST t10k split in file order: {'2,400 / 600' if args.quick else '8,000 train / 2,000 test'}")
    print(markdown_table(HEADER, rows))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
