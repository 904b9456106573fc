import dataclasses

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.errors import ConfigError
from constrae.io.mappings import require

_EPS = 1e-8


@constraints.register("group_sparsity")
@dataclasses.dataclass(eq=False, repr=False)
class GroupSparsity(Constraint):
    """Omega = lam * mean_b sum_g sqrt(sum_{i in g} z_bi^2 + eps): the group lasso
    (L2 within a group, L1 across groups) on codes (Yuan & Lin, 2006; seed 002,
    "group sparsity"). Groups are contiguous blocks of ``group_size`` units or,
    when given, the lists of unit indices in ``groups``. eps = 1e-8 keeps the
    gradient finite at z = 0."""

    lam: float = 1e-3
    group_size: int = 4
    groups: list[list[int]] | None = None

    def validate(self) -> None:
        require(self.lam >= 0, "group_sparsity.lam", f"must be >= 0, got {self.lam}")
        require(
            self.group_size >= 1,
            "group_sparsity.group_size",
            f"must be >= 1, got {self.group_size}",
        )

    def attach(self, model) -> None:
        hidden = model.config.hidden_size
        if self.groups is None:
            if hidden % self.group_size:
                raise ConfigError(
                    f"group_sparsity.group_size: {self.group_size} does not divide model.hidden_size={hidden}"
                )
            groups = [list(range(s, s + self.group_size)) for s in range(0, hidden, self.group_size)]
        else:
            groups = self.groups
        membership_GH = torch.zeros(len(groups), hidden)
        for g, units in enumerate(groups):
            for unit in units:
                if not 0 <= unit < hidden:
                    raise ConfigError(f"group_sparsity.groups[{g}]: unit {unit} is outside [0, {hidden})")
                membership_GH[g, unit] = 1.0
        self.register_buffer("membership_GH", membership_GH, persistent=False)

    def penalty(self, model, out):
        membership_GH = self.membership_GH.to(out.codes_BH.dtype)
        group_norms_BG = (out.codes_BH.pow(2) @ membership_GH.T + _EPS).sqrt()
        return self.lam * group_norms_BG.sum(dim=1).mean()
