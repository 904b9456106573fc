import dataclasses

import torch
from torch import nn
from torch.nn import functional as F

from constrae.constraints.base import Constraint, constraints
from constrae.errors import DataError
from constrae.io.mappings import require


@constraints.register("discriminative")
@dataclasses.dataclass(eq=False, repr=False)
class Discriminative(Constraint):
    """Omega = lam * mean_{b labelled} CE(softmax(W_c z_b + b_c), y_b): a linear classifier head
    on the codes trained with them (DrSAE's third term, Rolfe & LeCun 2013; seed 002).

    Rows labelled ``UNLABELLED`` (-1) only reconstruct: a few labelled windows among many
    unlabelled ones train semi-supervised. A batch without a labelled row adds 0.

    Works with any encoder. The head (W_c, b_c) is this constraint's parameter, so the
    trainer optimises it with the model; ``class_probabilities`` applies it.
    """

    needs_labels = True

    lam: float = 1.0
    n_classes: int = 10

    def validate(self) -> None:
        require(self.lam >= 0, "discriminative.lam", f"must be >= 0, got {self.lam}")
        require(self.n_classes >= 2, "discriminative.n_classes", f"must be >= 2, got {self.n_classes}")

    def attach(self, model) -> None:
        self.classifier = nn.Linear(model.config.hidden_size, self.n_classes)

    def penalty(self, model, out, targets: torch.Tensor):  # type: ignore[override]  # labelled: needs_labels
        if len(targets) and int(targets.max()) >= self.n_classes:
            raise DataError(f"discriminative: label {int(targets.max())} is outside [0, n_classes={self.n_classes})")
        labelled_B = targets >= 0
        logits_BK = self.classifier(out.codes_BH[labelled_B])
        if not labelled_B.any():
            return logits_BK.sum()
        return self.lam * F.cross_entropy(logits_BK, targets[labelled_B])

    def class_probabilities(self, codes_BH: torch.Tensor) -> torch.Tensor:
        """p(y | z) of the head, (b, classes)."""
        return torch.softmax(self.classifier(codes_BH), dim=1)
