"""Stacked sparse autoencoder 784-200-200-softmax on MNIST (UFLDL's stacked exercise).

Only MNIST's 10,000-image test split is available here: the first 8,000 images (file
order) train, the last 2,000 test. UFLDL's hyper-parameters: sparsity rho 0.1, beta 3,
weight decay 3e-3, sigmoid units, L-BFGS; softmax and fine-tuning with weight decay 1e-4.
UFLDL reports 87.7 % before and 97.6 % after fine-tuning with the full 60,000 images
and 400 L-BFGS iterations per stage; here each stage gets fewer (ITERATIONS) to stay
within 15 minutes on 2 cores.

    python benchmarks/stacked_mnist.py            # the full run
    python benchmarks/stacked_mnist.py --quick    # a small version (tests run it)
"""

import argparse
import time
from pathlib import Path

from constrae.data.datasets.mnist import load_mnist
from constrae.plots.tables import markdown_table
from constrae.stacked import StackedAutoencoderClassifier

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
ITERATIONS = {"layer": 200, "softmax": 200, "finetune": 200}


def layer(hidden_size: int, epochs: int, seed: int) -> dict:
    return {
        "model": {"hidden_size": hidden_size, "activation": "sigmoid", "decoder_output": "sigmoid"},
        "constraints": [
            {"name": "kl_sparsity", "rho": 0.1, "beta": 3},
            {"name": "weight_decay", "lam": 3e-3},
        ],
        "train": {
            "optimizer": "lbfgs",
            "lr": 1.0,
            "epochs": epochs,
            "lbfgs_iterations": 20,
            "val_fraction": 0,
            "seed": seed,
        },
    }


def run(quick: bool = False) -> list[list[str]]:
    n_images = 2000 if quick else 10000
    X, y = load_mnist(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz", n_samples=n_images)
    n_train = int(0.8 * n_images)
    epochs = {stage: 2 if quick else iterations // 20 for stage, iterations in ITERATIONS.items()}
    classifier = StackedAutoencoderClassifier(
        layers=[layer(200, epochs["layer"], 0), layer(200, epochs["layer"], 1)],
        softmax={"epochs": epochs["softmax"], "weight_decay": 1e-4},
        finetune={"epochs": epochs["finetune"], "weight_decay": 1e-4},
    )
    started = time.perf_counter()
    classifier.fit(X[:n_train], y[:n_train])
    seconds = time.perf_counter() - started
    X_test, y_test = X[n_train:], y[n_train:]
    return [
        ["frozen stack (pre-trained + softmax)", f"{classifier.frozen_score(X_test, y_test):.2%}", "87.7 %"],
        ["fine-tuned", f"{classifier.score(X_test, y_test):.2%}", "97.6 %"],
        ["training time", f"{seconds:.0f} s", "-"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 images and a few epochs")
    args = parser.parse_args()
    rows = run(args.quick)
    split = "1,600 / 400" if args.quick else "8,000 train / 2,000 test"
    print(f"MNIST t10k split in file order: {split}; L-BFGS iterations per stage {ITERATIONS}")
    print(markdown_table(["784-200-200-softmax", "test accuracy", "UFLDL (60k train)"], rows))


if __name__ == "__main__":
    main()
