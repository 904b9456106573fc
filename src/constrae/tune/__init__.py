"""Hyper-parameter and constraint search campaigns with Optuna (the ``tune`` extra).

Python API: ``load_space`` (or ``SearchSpace.from_mapping``) reads a space, ``run_worker``
runs trials into a study, ``load_study`` / ``front`` / ``export_trial`` read the results.
"""

from constrae.tune.results import export_trial, front, load_study
from constrae.tune.space import SearchSpace, load_space
from constrae.tune.worker import run_worker

__all__ = ["SearchSpace", "export_trial", "front", "load_space", "load_study", "run_worker"]
