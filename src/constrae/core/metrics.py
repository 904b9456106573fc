"""Code and reconstruction quality measures. Shapes: b batch, n features, h units."""

from typing import NamedTuple

import torch


class CodeMetrics(NamedTuple):
    """Quality of codes and reconstructions over one data set."""

    mse: float
    """Mean squared error over every element."""
    fvu: float
    """Fraction of variance unexplained: sum (x - x_hat)^2 / sum (x - mean x)^2."""
    l0: float
    """Mean number of active codes per sample (|z| > the activation's threshold)."""
    rho_hat_H: torch.Tensor
    """Mean activation of each unit."""
    dead_fraction: float
    """Fraction of units never active on this data."""

    def summary(self) -> dict[str, float]:
        """Scalars for logs and printing."""
        return {
            "mse": self.mse,
            "fvu": self.fvu,
            "l0": self.l0,
            "mean_rho_hat": float(self.rho_hat_H.mean()),
            "dead_fraction": self.dead_fraction,
        }


def code_metrics(
    x_BN: torch.Tensor, reconstruction_BN: torch.Tensor, codes_BH: torch.Tensor, active_threshold: float
) -> CodeMetrics:
    squared_error = (x_BN - reconstruction_BN).pow(2)
    variance = (x_BN - x_BN.mean(dim=0)).pow(2).sum()
    active_BH = codes_BH.abs() > active_threshold
    return CodeMetrics(
        mse=float(squared_error.mean()),
        fvu=float(squared_error.sum() / variance) if variance > 0 else float("nan"),
        l0=float(active_BH.sum(dim=1).float().mean()),
        rho_hat_H=codes_BH.mean(dim=0),
        dead_fraction=float((~active_BH.any(dim=0)).float().mean()),
    )
