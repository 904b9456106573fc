"""Lazy imports of the benchmarks' optional dependencies (the ``bench`` extra)."""

import importlib
from types import ModuleType


def require(module: str, package: str) -> ModuleType:
    """Import ``module``, or an ImportError naming ``package`` and the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f'constrae.bench needs {package}; install it with: pip install "constrae[bench]"') from error
