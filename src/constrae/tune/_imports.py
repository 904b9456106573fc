"""Lazy import of Optuna (the ``tune`` extra): the rest of constrae runs without it."""

import importlib
from types import ModuleType


def optuna() -> ModuleType:
    """The optuna module, or an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module("optuna")
    except ImportError as error:
        raise ImportError('constrae.tune needs optuna; install it with: pip install "constrae[tune]"') from error
