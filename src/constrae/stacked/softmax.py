"""Softmax (multinomial logistic) training with cross-entropy: the stack's top layer,
its end-to-end fine-tuning, and linear probes of codes.

Shapes: ``b`` batch, ``f`` features, ``c`` classes.
"""

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from constrae.core.trainer import TrainingDiverged, make_optimizer
from constrae.io.mappings import require


@dataclass
class ClassifierTrainConfig:
    """Supervised training with cross-entropy: of the softmax alone, or of the whole stack."""

    optimizer: Literal["adam", "sgd", "lbfgs"] = "lbfgs"
    """Adam or SGD on mini-batches, or full-batch L-BFGS."""
    lr: float = 1.0
    """Learning rate (L-BFGS: step length)."""
    momentum: float = 0.0
    """SGD momentum."""
    batch_size: int = 128
    """Mini-batch size (ignored by L-BFGS)."""
    epochs: int = 20
    """Passes over the data; for L-BFGS, outer steps of lbfgs_iterations each. 0 skips this stage."""
    lbfgs_iterations: int = 20
    """L-BFGS iterations per epoch."""
    weight_decay: float = 1e-4
    """lam of (lam / 2) sum W^2 over the trained weight matrices (not biases)."""
    seed: int = 0
    """Seeds the softmax's initialisation and the shuffling."""

    def validate(self, where: str) -> None:
        """ConfigError naming ``where`` (softmax or finetune) and the key out of range."""
        require(self.lr > 0, f"{where}.lr", f"must be > 0, got {self.lr}")
        require(self.batch_size >= 1, f"{where}.batch_size", f"must be >= 1, got {self.batch_size}")
        require(self.epochs >= 0, f"{where}.epochs", f"must be >= 0, got {self.epochs}")
        require(self.lbfgs_iterations >= 1, f"{where}.lbfgs_iterations", f"must be >= 1, got {self.lbfgs_iterations}")
        require(self.weight_decay >= 0, f"{where}.weight_decay", f"must be >= 0, got {self.weight_decay}")
        require(0.0 <= self.momentum < 1.0, f"{where}.momentum", f"must be in [0, 1), got {self.momentum}")


def train_classifier(
    modules: list[nn.Module],
    logits_of,
    y_B: torch.Tensor,
    weights: list[torch.Tensor],
    config: ClassifierTrainConfig,
) -> list[float]:
    """Minimise mean cross-entropy of ``logits_of(rows)`` against ``y_B[rows]`` plus
    (weight_decay / 2) sum W^2 over ``weights``; returns the loss per epoch."""
    params = list(dict.fromkeys(p for module in modules for p in module.parameters()))
    optimizer = make_optimizer(params, config)
    shuffle = torch.Generator().manual_seed(config.seed)

    def loss_on(rows: torch.Tensor | slice) -> torch.Tensor:
        decay = sum(W.pow(2).sum() for W in weights)
        return F.cross_entropy(logits_of(rows), y_B[rows]) + 0.5 * config.weight_decay * decay

    losses = []
    last: dict[str, float] = {}
    for epoch in range(config.epochs):
        if config.optimizer == "lbfgs":

            def closure() -> torch.Tensor:
                optimizer.zero_grad(set_to_none=True)
                # A slice, not an index tensor: the full batch as a view, no copy.
                loss = loss_on(slice(None))
                loss.backward()
                last["loss"] = float(loss.detach())
                return loss

            # torch's stub types the closure as returning float; L-BFGS takes the loss tensor (its documented use).
            optimizer.step(closure)  # type: ignore[arg-type]
            epoch_loss = last["loss"]
        else:
            epoch_loss = 0.0
            for rows in torch.randperm(len(y_B), generator=shuffle).split(config.batch_size):
                optimizer.zero_grad(set_to_none=True)
                loss = loss_on(rows)
                loss.backward()
                optimizer.step()
                epoch_loss += float(loss.detach()) * len(rows) / len(y_B)
        if not math.isfinite(epoch_loss):
            raise TrainingDiverged(f"epoch {epoch}: cross-entropy is not finite; lower lr (now {config.lr})")
        losses.append(epoch_loss)
    return losses


def linear_probe(
    features_BF: torch.Tensor, y_B: torch.Tensor, n_classes: int, config: ClassifierTrainConfig
) -> nn.Linear:
    """A softmax layer fitted to fixed features: logistic regression on codes (or pixels)."""
    with torch.random.fork_rng():
        torch.manual_seed(config.seed)
        head = nn.Linear(features_BF.shape[1], n_classes)
    train_classifier([head], lambda rows: head(features_BF[rows]), y_B, [head.weight], config)
    return head
