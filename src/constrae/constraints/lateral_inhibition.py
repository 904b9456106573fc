import dataclasses
from typing import Literal

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.errors import ConfigError
from constrae.io.mappings import require


def tree_inhibition(hidden_size: int, branching: int) -> torch.Tensor:
    """S_ij = 1 unless unit i is an ancestor or descendant of j (or i = j) in the
    heap-ordered tree where unit u's parent is (u - 1) // branching: every feature
    inhibits all others but those up or down its branch (seed 002, tree form)."""
    ancestors = [{u} for u in range(hidden_size)]
    for unit in range(1, hidden_size):
        ancestors[unit] |= ancestors[(unit - 1) // branching]
    related_HH = torch.tensor(
        [[i in ancestors[j] or j in ancestors[i] for j in range(hidden_size)] for i in range(hidden_size)]
    )
    return (~related_HH).float()


def group_inhibition(hidden_size: int, groups: list[list[int]]) -> torch.Tensor:
    """S_ij = 0 within a group, 1 across groups: the converse of group sparsity."""
    group_of = torch.full((hidden_size,), -1)
    for g, units in enumerate(groups):
        for unit in units:
            if not 0 <= unit < hidden_size:
                raise ConfigError(f"lateral_inhibition.groups[{g}]: unit {unit} is outside [0, {hidden_size})")
            group_of[unit] = g
    if (group_of < 0).any():
        raise ConfigError(f"lateral_inhibition.groups: unit {int((group_of < 0).nonzero()[0])} is in no group")
    return (group_of[:, None] != group_of[None, :]).float()


@constraints.register("lateral_inhibition")
@dataclasses.dataclass(eq=False, repr=False)
class LateralInhibition(Constraint):
    """Omega = lam * mean_b sum_ij S_ij |z_bi| |z_bj|, S >= 0 with zero diagonal: units
    i, j with a large S_ij are pushed not to be active together (Gregor, Szlam & LeCun,
    2011; seed 002, "invariant features through lateral inhibition").

    S is a buffer, never descended on. ``structure`` builds it: ``all`` (``strength`` off
    the diagonal), ``tree`` (heap tree of ``branching``), ``groups`` (0 within ``groups``)
    or ``given`` (``matrix``, as is). With ``learn=True``, after each optimiser step S takes one
    gradient *ascent* step on Omega, S += ascent_lr * lam * mean_b |z_b| |z_b|^T,
    then is projected back onto 0 <= S <= max_strength with zero diagonal: the
    encoder learns to avoid co-activations while S grows where they happen.
    """

    lam: float = 1e-3
    structure: Literal["all", "tree", "groups", "given"] = "all"
    branching: int = 2
    groups: list[list[int]] | None = None
    matrix: list[list[float]] | None = None
    strength: float = 1.0
    learn: bool = False
    ascent_lr: float = 0.1
    max_strength: float = 10.0

    def validate(self) -> None:
        require(self.lam >= 0, "lateral_inhibition.lam", f"must be >= 0, got {self.lam}")
        require(self.branching >= 1, "lateral_inhibition.branching", f"must be >= 1, got {self.branching}")
        require(self.ascent_lr >= 0, "lateral_inhibition.ascent_lr", f"must be >= 0, got {self.ascent_lr}")
        require(
            0 <= self.strength <= self.max_strength,
            "lateral_inhibition.strength",
            f"must be in [0, max_strength={self.max_strength}], got {self.strength}",
        )
        require(
            self.structure != "groups" or self.groups is not None,
            "lateral_inhibition.groups",
            "is required when structure is 'groups'",
        )
        require(
            self.structure != "given" or self.matrix is not None,
            "lateral_inhibition.matrix",
            "is required when structure is 'given'",
        )

    def attach(self, model) -> None:
        hidden = model.config.hidden_size
        if self.structure == "all":
            S_HH = 1 - torch.eye(hidden)
        elif self.structure == "tree":
            S_HH = tree_inhibition(hidden, self.branching)
        elif self.structure == "groups":
            S_HH = group_inhibition(hidden, self.groups or [])  # validate() requires groups here
        else:
            S_HH = torch.tensor(self.matrix, dtype=torch.float32)
            if S_HH.shape != (hidden, hidden):
                raise ConfigError(
                    f"lateral_inhibition.matrix: shape {tuple(S_HH.shape)}, expected ({hidden}, {hidden})"
                )
            if (S_HH < 0).any() or (S_HH > self.max_strength).any() or S_HH.diagonal().any():
                raise ConfigError(
                    f"lateral_inhibition.matrix: entries must be in [0, max_strength={self.max_strength}] "
                    "with a zero diagonal"
                )
        if self.structure != "given":
            S_HH = self.strength * S_HH
        self.register_buffer("S_HH", S_HH)
        self._coactivation_HH: torch.Tensor | None = None

    def penalty(self, model, out):
        magnitude_BH = out.codes_BH.abs()
        coactivation_HH = magnitude_BH.T @ magnitude_BH / len(magnitude_BH)
        if self.learn and self.training and torch.is_grad_enabled():
            # d Omega / d S: kept for the ascent step that follows the optimiser's.
            self._coactivation_HH = coactivation_HH.detach()
        return self.lam * (self.get_buffer("S_HH").to(coactivation_HH.dtype) * coactivation_HH).sum()

    @torch.no_grad()
    def after_step(self, model) -> None:
        if self._coactivation_HH is None:
            return
        strength_HH = self.get_buffer("S_HH")
        ascended_HH = strength_HH + self.ascent_lr * self.lam * self._coactivation_HH.to(strength_HH.dtype)
        strength_HH.copy_(ascended_HH.clamp(0, self.max_strength).fill_diagonal_(0))
        self._coactivation_HH = None
