import dataclasses

from constrae.constraints.base import Constraint, constraints
from constrae.io.mappings import require


@constraints.register("weight_decay")
@dataclasses.dataclass(eq=False, repr=False)
class WeightDecay(Constraint):
    """Omega = (lam / 2) * sum_l sum_ij (W^l_ij)^2 over weight matrices, not biases.

    Source: the seeds' "weights decay" term (Cerveri, slide "Regularization term";
    Rucci, "On-loss constraints"). Tied weights count once.
    """

    lam: float = 1e-4

    def validate(self) -> None:
        require(self.lam >= 0, "weight_decay.lam", f"must be >= 0, got {self.lam}")

    def penalty(self, model, out):
        return 0.5 * self.lam * sum(W.pow(2).sum() for W in model.weight_matrices())
