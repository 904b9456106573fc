"""Lazy import of pylsl (the ``stream`` extra): ``import constrae.stream`` works without it."""

from types import ModuleType


def pylsl() -> ModuleType:
    """The pylsl module, or an ImportError naming the extra that installs it."""
    try:
        import pylsl as module
    except ImportError as error:
        raise ImportError('constrae.stream needs pylsl; install it with: pip install "constrae[stream]"') from error
    return module
