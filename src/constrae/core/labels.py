"""Class labels of training rows: int64 class indices, or ``UNLABELLED`` where a row has none."""

import torch

from constrae.data.trials import UNLABELLED
from constrae.errors import ConfigError, DataError


def check_labels(y_B, n_samples: int, needed: bool) -> torch.Tensor | None:
    """``y_B`` as int64 class indices (or ``UNLABELLED``), one per sample, or a DataError/ConfigError
    naming the problem."""
    if y_B is None:
        if needed:
            raise ConfigError("a discriminative constraint needs labels: call Trainer.fit(X, y_B=labels)")
        return None
    y_B = torch.as_tensor(y_B)
    if y_B.ndim != 1 or len(y_B) != n_samples:
        raise DataError(f"labels: expected one per sample ({n_samples}), got shape {tuple(y_B.shape)}")
    if y_B.is_floating_point() or y_B.dtype == torch.bool:
        raise DataError(f"labels: expected integer class indices, got dtype {y_B.dtype}")
    if len(y_B) and int(y_B.min()) < UNLABELLED:
        raise DataError(f"labels: class indices must be >= 0 (or {UNLABELLED}: unlabelled), got {int(y_B.min())}")
    return y_B.long()
