"""A model and its objective from a run config, the same way every time."""

import torch

from constrae.constraints import build_constraints
from constrae.core.config import RunConfig
from constrae.core.memory import check_model_fits
from constrae.core.model import Autoencoder
from constrae.core.objective import Objective


def build(config: RunConfig) -> tuple[Autoencoder, Objective]:
    """Model and objective for ``config``, initialised from ``config.train.seed``
    without touching torch's global random state.

    Constraints attach here, before any weights are loaded, because they may add
    gates, buffers or parametrizations that the stored state refers to."""
    check_model_fits(lambda: Autoencoder(config.model), "model.hidden_size")
    with torch.random.fork_rng():
        torch.manual_seed(config.train.seed)
        model = Autoencoder(config.model)
        constraints = build_constraints(config.constraints)
        for constraint in constraints:
            constraint.attach(model)
    return model, Objective(config.loss, constraints)
