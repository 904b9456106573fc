import dataclasses

import torch
from torch import nn
from torch.nn.utils import parametrize

from constrae.constraints.base import Constraint, constraints


class UnitNorm(nn.Module):
    """W -> W / ||W|| along ``dim``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, W: torch.Tensor) -> torch.Tensor:
        return W / W.norm(dim=self.dim, keepdim=True).clamp_min(1e-12)


@constraints.register("unit_norm_decoder")
@dataclasses.dataclass(eq=False, repr=False)
class UnitNormDecoder(Constraint):
    """||W_d[:, i]||_2 = 1 for every hidden unit i, as a parametrization of the
    decoder weight (with tied weights: of the encoder rows); any decoder that
    names its per-unit ``dictionary`` works. Removes the scale
    ambiguity that lets an L1 penalty shrink codes while growing the dictionary
    (sparse coding; Makhzani & Frey normalise likewise)."""

    has_penalty = False

    def attach(self, model) -> None:
        module, name, dim = model.decoder.dictionary()
        parametrize.register_parametrization(module, name, UnitNorm(dim=dim))
