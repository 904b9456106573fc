import dataclasses
from typing import Literal

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.io.mappings import require


@constraints.register("denoising")
@dataclasses.dataclass(eq=False, repr=False)
class Denoising(Constraint):
    """Train on a corrupted input x~ ~ P(x~ | x) and reconstruct the clean x
    (Vincent et al., 2008; seed 004, "Denoising Autoencoders").

    - masking: x~_j = 0 with probability q, else x_j;
    - gaussian: x~ = x + sigma * eps, eps ~ N(0, I);
    - salt_and_pepper: with probability q, x~_j is set to 0 or 1 with equal odds.
    Applied only while training; validation and transform see the clean input.
    """

    has_penalty = False

    kind: Literal["masking", "gaussian", "salt_and_pepper"] = "masking"
    q: float = 0.25
    sigma: float = 0.1

    def validate(self) -> None:
        require(0 <= self.q < 1, "denoising.q", f"must be in [0, 1), got {self.q}")
        require(self.sigma >= 0, "denoising.sigma", f"must be >= 0, got {self.sigma}")

    def corrupt(self, x_BN: torch.Tensor) -> torch.Tensor:
        if self.kind == "gaussian":
            return x_BN + self.sigma * torch.randn_like(x_BN)
        hit_BN = torch.rand_like(x_BN) < self.q
        if self.kind == "masking":
            return x_BN.masked_fill(hit_BN, 0.0)
        salt_BN = (torch.rand_like(x_BN) < 0.5).to(x_BN.dtype)
        return torch.where(hit_BN, salt_BN, x_BN)
