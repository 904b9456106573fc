"""The constraint catalogue. Importing this package registers every constraint."""

from constrae.constraints import (  # noqa: F401  (registration side effects)
    contractive,
    denoising,
    discriminative,
    distillation,
    gaussian_kl,
    group_sparsity,
    kl_sparsity,
    l1_codes,
    lateral_inhibition,
    locality,
    logic_rules,
    nonnegativity,
    unit_norm_decoder,
    visibility_graph,
    weight_decay,
)
from constrae.constraints.base import Constraint, TrainingRows, build_constraint, build_constraints, constraints

__all__ = ["Constraint", "TrainingRows", "build_constraint", "build_constraints", "constraints"]
