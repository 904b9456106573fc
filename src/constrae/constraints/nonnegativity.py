import dataclasses
from typing import Literal

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.io.mappings import require


@constraints.register("nonnegativity")
@dataclasses.dataclass(eq=False, repr=False)
class NonNegativity(Constraint):
    """Omega = (alpha / 2) * sum_ij min(W_ij, 0)^2: the NCAE penalty on negative
    weights (Hosseini-Asl et al., 2016; Rucci, "Non negativity constraints").
    With ``project=True`` negative weights are also clipped to 0 after every
    optimiser step (a hard constraint)."""

    alpha: float = 1.0
    project: bool = False
    apply_to: Literal["encoder", "decoder", "both"] = "both"

    def validate(self) -> None:
        require(self.alpha >= 0, "nonnegativity.alpha", f"must be >= 0, got {self.alpha}")

    def constrained_weights(self, model) -> list[torch.Tensor]:
        if self.apply_to == "encoder":
            return model.encoder.weight_matrices()
        if self.apply_to == "decoder" and not model.config.tied:
            return model.decoder.weight_matrices()
        # Tied: the decoder weight is the encoder's, so "decoder" constrains it too.
        return model.weight_matrices()

    def penalty(self, model, out):
        return 0.5 * self.alpha * sum(W.clamp(max=0).pow(2).sum() for W in self.constrained_weights(model))

    @torch.no_grad()
    def after_step(self, model) -> None:
        if self.project:
            for W in self.constrained_weights(model):
                W.clamp_(min=0)
