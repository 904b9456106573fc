import dataclasses

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.errors import ConfigError
from constrae.io.mappings import require

_EPS = 1e-6


@constraints.register("kl_sparsity")
@dataclasses.dataclass(eq=False, repr=False)
class KLSparsity(Constraint):
    """Omega = beta * sum_j KL(rho || rho_hat_j), with
    KL(rho || r) = rho log(rho / r) + (1 - rho) log((1 - rho) / (1 - r))
    and rho_hat_j the mean activation of unit j over the batch.

    With ``running=True``, rho_hat_j = m * r_j + (1 - m) * batch mean, where r_j is
    a running estimate over past batches (no gradient through r_j).
    Its gradient w.r.t. rho_hat_j is beta * (-rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j)),
    the "delta" term of Ng's sparse autoencoder notes and the seeds (Cerveri, slide
    "Computing delta values"). Needs codes in (0, 1), e.g. sigmoid units.
    """

    rho: float = 0.05
    beta: float = 3.0
    running: bool = False
    momentum: float = 0.9

    def validate(self) -> None:
        require(0 < self.rho < 1, "kl_sparsity.rho", f"must be in (0, 1), got {self.rho}")
        require(self.beta >= 0, "kl_sparsity.beta", f"must be >= 0, got {self.beta}")
        require(0 <= self.momentum < 1, "kl_sparsity.momentum", f"must be in [0, 1), got {self.momentum}")

    def attach(self, model) -> None:
        low, high = model.activation.output_range
        if low < 0 or high > 1:
            raise ConfigError(
                f"kl_sparsity needs codes in (0, 1) but activation "
                f"{model.config.activation!r} gives [{low}, {high}]; allowed: sigmoid"
            )
        self.register_buffer("running_rho_hat_H", torch.full((model.config.hidden_size,), self.rho))

    def rho_hat(self, codes_BH: torch.Tensor) -> torch.Tensor:
        batch_mean_H = codes_BH.mean(dim=0)
        if not self.running:
            return batch_mean_H
        rho_hat_H = self.momentum * self.get_buffer("running_rho_hat_H") + (1 - self.momentum) * batch_mean_H
        if self.training and torch.is_grad_enabled():
            self.get_buffer("running_rho_hat_H").copy_(rho_hat_H.detach())
        return rho_hat_H

    def penalty(self, model, out):
        rho_hat_H = self.rho_hat(out.codes_BH).clamp(_EPS, 1 - _EPS)
        rho = self.rho
        kl_H = rho * torch.log(rho / rho_hat_H) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat_H))
        return self.beta * kl_H.sum()
