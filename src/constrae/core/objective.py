"""The training objective: reconstruction plus the weighted constraint penalties."""

from typing import Any, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from constrae.constraints import Constraint, TrainingRows
from constrae.core.model import Autoencoder, AutoencoderOutput
from constrae.errors import ConfigError


def half_squared_error(reconstruction_BN: torch.Tensor, x_BN: torch.Tensor) -> torch.Tensor:
    """(1/b) sum_b (1/2) ||x_b - x_hat_b||^2, the seeds' E scaled per sample."""
    return 0.5 * (reconstruction_BN - x_BN).pow(2).sum(dim=1).mean()


def cross_entropy(reconstruction_BN: torch.Tensor, x_BN: torch.Tensor) -> torch.Tensor:
    """(1/b) sum_b sum_j -[x log x_hat + (1 - x) log(1 - x_hat)], for x in [0, 1]."""
    return F.binary_cross_entropy(reconstruction_BN, x_BN, reduction="sum") / x_BN.shape[0]


RECONSTRUCTION_LOSSES = {"mse": half_squared_error, "cross_entropy": cross_entropy}


class LossTerms(NamedTuple):
    """One evaluation of the objective."""

    total: torch.Tensor
    """Reconstruction plus every penalty: what the optimiser minimises."""
    terms: dict[str, torch.Tensor]
    """Each summand by name: "reconstruction" then one entry per penalty."""
    output: AutoencoderOutput
    """The forward pass the terms were computed from."""


class Objective(nn.Module):
    """Sums named terms; knows constraints only through their interface."""

    def __init__(self, reconstruction: str, constraints: list[Constraint]) -> None:
        super().__init__()
        self.reconstruction = RECONSTRUCTION_LOSSES[reconstruction]
        # Registered as modules (their buffers are in the objective's state under "constraints."),
        # and kept as a typed list for the calls below.
        self.constraints = nn.ModuleList(constraints)
        self.constraint_list: list[Constraint] = list(constraints)
        self.term_names = ["reconstruction"] + term_labels(constraints)

    @property
    def needs_labels(self) -> bool:
        """Whether some term is discriminative, so batches must carry class indices."""
        return any(c.needs_labels for c in self.constraint_list)

    def forward(
        self, model: Autoencoder, x_BN: torch.Tensor, corrupt: bool = True, y_B: torch.Tensor | None = None
    ) -> LossTerms:
        """The loss on ``x_BN``; ``y_B`` (class indices) reaches the terms that need labels."""
        x_seen_BN = x_BN
        if corrupt:
            for constraint in self.constraint_list:
                x_seen_BN = constraint.corrupt(x_seen_BN)
        output = model(x_seen_BN)
        terms = {"reconstruction": self.reconstruction(output.reconstruction_BN, model.reconstruction_target(x_BN))}
        penalized = [c for c in self.constraint_list if c.has_penalty]
        for name, constraint in zip(self.term_names[1:], penalized):
            if constraint.needs_labels:
                # A labelled term's penalty takes the class indices too (Constraint.needs_labels).
                labelled: Any = constraint
                terms[name] = labelled.penalty(model, output, targets=require_labels(y_B, name))
            else:
                terms[name] = constraint.penalty(model, output)
        total = terms["reconstruction"]
        for name in self.term_names[1:]:
            total = total + terms[name]
        return LossTerms(total, terms, output)

    def after_step(self, model: Autoencoder) -> None:
        for constraint in self.constraint_list:
            constraint.after_step(model)

    def on_epoch_start(self, epoch: int) -> None:
        for constraint in self.constraint_list:
            constraint.on_epoch_start(epoch)

    def observe_training_rows(self, rows: TrainingRows) -> None:
        for constraint in self.constraint_list:
            if constraint.needs_training_rows:
                constraint.observe_training_rows(rows)

    def constraint_metrics(self, model: Autoencoder, output: AutoencoderOutput) -> dict[str, float]:
        """Every constraint's own metrics, as "<constraint label>/<metric>"."""
        return {
            f"{label}/{name}": value
            for label, constraint in zip(
                numbered([c.registered_name for c in self.constraint_list]), self.constraint_list
            )
            for name, value in constraint.metrics(model, output).items()
        }


def require_labels(y_B: torch.Tensor | None, term: str) -> torch.Tensor:
    if y_B is None:
        raise ConfigError(
            f"constraint {term!r} is discriminative and needs labels: train with Trainer.fit(X, y_B=labels)"
        )
    return y_B


def numbered(names: list[str]) -> list[str]:
    """Each name as it is, or numbered (``name_1``, ``name_2``) when it repeats."""
    return [name if names.count(name) == 1 else f"{name}_{names[:i].count(name) + 1}" for i, name in enumerate(names)]


def term_labels(constraints: list[Constraint]) -> list[str]:
    """Log names of the penalties: the registered name, numbered when repeated."""
    return numbered([c.registered_name for c in constraints if c.has_penalty])
