"""Trainer overhead: constrae's Trainer against a minimal hand-written PyTorch loop.

Both train 784 -> 1024 sigmoid units with KL sparsity (rho 0.05, beta 3), a linear
decoder, half squared error and Adam (lr 1e-3) on 10,000 MNIST images, from the same
initial weights, for the same number of optimiser steps. Runs alternate (constrae,
hand, constrae, hand, ...) after one warm-up of each, so a change in the machine's
speed hits both alike. Target: constrae reaches >= 0.95x the hand loop's samples/s.

Shapes: ``b`` batch, ``n`` pixels (784), ``h`` hidden units.

    python benchmarks/trainer_overhead.py [--steps 300] [--threads 1] [--batch-size 128] [--repeats 3]
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer
from constrae.data.datasets.mnist import load_mnist

MNIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
N_IMAGES = 10_000
HIDDEN = 1024
RHO, BETA, LR = 0.05, 3.0, 1e-3
EPS = 1e-6
TARGET = 0.95


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps per run (rounded to whole epochs)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (more than 1 is erratic on 2 cores)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds after the warm-up round")
    return parser.parse_args()


def load_images() -> torch.Tensor:
    if not MNIST_DIR.is_dir():
        sys.exit(f"MNIST folder not found: {MNIST_DIR} (expected ../shared/data/mnist from the repository root)")
    images_NP, _ = load_mnist(MNIST_DIR / IMAGES_FILE, n_samples=N_IMAGES)
    return torch.from_numpy(images_NP)


def make_config(n_features: int, batch_size: int, epochs: int) -> RunConfig:
    return RunConfig(
        model=ModelConfig(input_size=n_features, hidden_size=HIDDEN, activation="sigmoid"),
        loss="mse",
        constraints=[{"name": "kl_sparsity", "rho": RHO, "beta": BETA}],
        train=TrainConfig(optimizer="adam", lr=LR, batch_size=batch_size, epochs=epochs, val_fraction=0.0),
    )


def train_constrae(config: RunConfig, X_BN: torch.Tensor) -> tuple[float, Autoencoder]:
    model, objective = build(config)
    started = time.perf_counter()
    Trainer(model, objective, config, run_dir=None, progress=False).fit(X_BN)
    return time.perf_counter() - started, model


def hand_loss(encoder: nn.Linear, decoder: nn.Linear, x_BN: torch.Tensor) -> torch.Tensor:
    """0.5 * squared error summed per sample, mean over the batch, + beta * sum_j KL(rho || rho_hat_j)."""
    codes_BH = torch.sigmoid(encoder(x_BN))
    reconstruction = 0.5 * (decoder(codes_BH) - x_BN).pow(2).sum(dim=1).mean()
    rho_hat_H = codes_BH.mean(dim=0).clamp(EPS, 1 - EPS)
    kl_H = RHO * torch.log(RHO / rho_hat_H) + (1 - RHO) * torch.log((1 - RHO) / (1 - rho_hat_H))
    return reconstruction + BETA * kl_H.sum()


def train_hand(config: RunConfig, X_BN: torch.Tensor) -> tuple[float, nn.Linear, nn.Linear]:
    # The constrae model is built only to start from the same weights.
    start, _ = build(config)
    encoder, decoder = nn.Linear(X_BN.shape[1], HIDDEN), nn.Linear(HIDDEN, X_BN.shape[1])
    encoder.load_state_dict(start.encoder.state_dict())
    decoder.load_state_dict(start.decoder.state_dict())
    batch_size = config.train.batch_size
    started = time.perf_counter()
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=LR)
    for _ in range(config.train.epochs):
        for batch_idx in torch.randperm(len(X_BN)).split(batch_size):
            optimizer.zero_grad(set_to_none=True)
            hand_loss(encoder, decoder, X_BN[batch_idx]).backward()
            optimizer.step()
    return time.perf_counter() - started, encoder, decoder


@torch.no_grad()
def check_same_objective(
    config: RunConfig, model: Autoencoder, encoder: nn.Linear, decoder: nn.Linear, X_BN: torch.Tensor
) -> None:
    """Print both final losses on all images, and check the two loss functions agree on one model."""
    _, objective = build(config)
    constrae_loss = float(hand_loss(model.encoder, model.decoder, X_BN))
    hand_final = float(hand_loss(encoder, decoder, X_BN))
    objective_value = float(objective(model, X_BN, corrupt=False).total)
    print(f"final loss on all {len(X_BN)} images: constrae {constrae_loss:.4f}, hand {hand_final:.4f}")
    assert math.isclose(objective_value, constrae_loss, rel_tol=1e-4), (objective_value, constrae_loss)
    assert math.isclose(constrae_loss, hand_final, rel_tol=0.05), "the loops did not train alike"


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    X_BN = load_images()
    steps_per_epoch = math.ceil(len(X_BN) / args.batch_size)
    epochs = max(1, round(args.steps / steps_per_epoch))
    config = make_config(X_BN.shape[1], args.batch_size, epochs)
    samples = len(X_BN) * epochs
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, {len(X_BN)} images, "
        f"batch {args.batch_size}, {epochs} epochs = {steps_per_epoch * epochs} steps "
        f"(requested {args.steps}), {args.repeats} timed rounds after 1 warm-up"
    )

    _, model = train_constrae(config, X_BN)
    _, encoder, decoder = train_hand(config, X_BN)
    check_same_objective(config, model, encoder, decoder, X_BN)

    rates: dict[str, list[float]] = {"constrae": [], "hand": []}
    for _ in range(args.repeats):
        rates["constrae"].append(samples / train_constrae(config, X_BN)[0])
        rates["hand"].append(samples / train_hand(config, X_BN)[0])
    print_table(rates)


def print_table(rates: dict[str, list[float]]) -> None:
    best = {name: max(values) for name, values in rates.items()}
    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"{'loop':<10} {'best samples/s':>15} {'median samples/s':>17}   runs")
    for name, values in rates.items():
        runs = " ".join(f"{v:.0f}" for v in values)
        print(f"{name:<10} {best[name]:>15.0f} {median[name]:>17.0f}   {runs}")
    ratio_best = best["constrae"] / best["hand"]
    ratio_median = median["constrae"] / median["hand"]
    verdict = "met" if ratio_best >= TARGET else "NOT met"
    print(f"ratio constrae/hand: {ratio_best:.3f} best, {ratio_median:.3f} median; target >= {TARGET}: {verdict}")


if __name__ == "__main__":
    main()
