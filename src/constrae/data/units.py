"""Units of EEG samples: a model stores the units it was trained in, recordings that say theirs
are converted to them, and a window whose amplitude is far from the training data's is warned
about (a recording in microvolts given to a model trained in volts is a million times too large).

Shapes: ``n`` windows, ``c`` channels, ``w`` samples per window.
"""

import warnings

import numpy as np

from constrae.errors import DataError

VOLTS_PER_UNIT = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "nV": 1e-9}
"""Known units, in their canonical spelling."""
SPELLINGS = {"v": "V", "volt": "V", "volts": "V", "mv": "mV", "uv": "uV", "µv": "uV", "μv": "uV", "nv": "nV"}
SCALE_TOLERANCE = 100.0
"""A window whose typical amplitude is this many times above or below the training data's is warned about."""


class UnitsWarning(UserWarning):
    """Samples look like they are in other units than the model was trained in."""


def canonical_unit(text: str, where: str) -> str:
    """``text`` as one of VOLTS_PER_UNIT (``microvolts``, ``µV`` -> ``uV``); DataError otherwise."""
    spelled = str(text).strip().lower().replace("microvolts", "uv").replace("microvolt", "uv")
    if spelled not in SPELLINGS:
        raise DataError(f"{where}: unknown unit {text!r}; known: {', '.join(VOLTS_PER_UNIT)}")
    return SPELLINGS[spelled]


def conversion(from_unit: str | None, to_unit: str | None) -> float:
    """The factor that turns samples in ``from_unit`` into ``to_unit`` (1 when either is unknown)."""
    if from_unit is None or to_unit is None:
        return 1.0
    return VOLTS_PER_UNIT[from_unit] / VOLTS_PER_UNIT[to_unit]


def amplitude_ratio(windows_NCW: np.ndarray, training_std_C: np.ndarray) -> float:
    """Median channel standard deviation of the windows over the training data's median."""
    return float(np.median(windows_NCW.std(axis=2)) / max(float(np.median(training_std_C)), 1e-300))


def warn_if_rescaled(windows_NCW: np.ndarray, training_std_C: np.ndarray, units: str | None, where: str) -> None:
    """A UnitsWarning when the windows' amplitude is off from the training data's by more than SCALE_TOLERANCE."""
    if len(windows_NCW) == 0:
        return
    ratio = amplitude_ratio(windows_NCW, training_std_C)
    if not 1 / SCALE_TOLERANCE <= ratio <= SCALE_TOLERANCE:
        trained = f"trained in {units}" if units else "trained on data of unknown units"
        warnings.warn(
            f"{where}: amplitude {ratio:.3g} times the training data's; the model was {trained}. "
            "Other units? Say them (--units, or a units entry in the file or stream)",
            UnitsWarning,
            stacklevel=3,
        )
