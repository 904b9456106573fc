import dataclasses

from constrae.constraints.base import Constraint, constraints
from constrae.io.mappings import require


@constraints.register("l1_codes")
@dataclasses.dataclass(eq=False, repr=False)
class L1Codes(Constraint):
    """Omega = lam * mean_b sum_j |z_bj|: the L1 sparsity penalty on codes
    (Rucci, locality slide, phi = |.|; DrSAE's L1 term)."""

    lam: float = 1e-3

    def validate(self) -> None:
        require(self.lam >= 0, "l1_codes.lam", f"must be >= 0, got {self.lam}")

    def penalty(self, model, out):
        return self.lam * out.codes_BH.abs().sum(dim=1).mean()
