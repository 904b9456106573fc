"""Where a power encoder's spatial projection S (v x c) starts: from the training windows'
channel covariance, without labels (PCA or ZCA whitening), or from its labelled rows (CSP).

Shapes: ``b`` windows, ``c`` channels, ``t`` samples, ``v`` virtual channels.
"""

import torch

from constrae.errors import ConfigError, DataError

SPATIAL_INITS = ("pca", "zca", "csp")
"""How ``spatial_projection`` sets S: the top-v whitened principal components; (v = c) the
symmetric whitening C^-1/2, which keeps each virtual channel on its electrode; or the common
spatial patterns of two labelled classes."""

EIGENVALUE_FLOOR = 1e-6
"""Smallest eigenvalue a whitening divides by: a flat direction is not blown up."""


def channel_covariance(windows_BCT: torch.Tensor) -> torch.Tensor:
    """(c, c) mean second moment (1/t) X X^T over the windows, in float64."""
    windows_BCT = windows_BCT.double()
    return torch.einsum("bct,bdt->cd", windows_BCT, windows_BCT) / (windows_BCT.shape[0] * windows_BCT.shape[2])


def whitening_projection(windows_BCT: torch.Tensor, virtual_channels: int, symmetric: bool) -> torch.Tensor:
    """S = Lambda_v^-1/2 U_v^T (PCA: the top-v eigenvectors of C, whitened), or U_v S_pca (ZCA)."""
    eigenvalues_C, eigenvectors_CC = torch.linalg.eigh(channel_covariance(windows_BCT))
    top = torch.argsort(eigenvalues_C, descending=True)[:virtual_channels]
    whitening_VC = (eigenvectors_CC[:, top] * torch.clamp(eigenvalues_C[top], min=EIGENVALUE_FLOOR).rsqrt()).T
    # ZCA rotates the whitened components back onto the channels: each virtual channel stays
    # one electrode with its neighbours' shared activity removed, much as a surface Laplacian.
    return eigenvectors_CC[:, top] @ whitening_VC if symmetric else whitening_VC


def csp_projection(windows_BCT: torch.Tensor, labels_B: torch.Tensor, virtual_channels: int) -> torch.Tensor:
    """Common spatial patterns (Ramoser et al. 2000, as in FBCSP): with C_k the mean second moment of
    class k's windows, the generalised eigenvectors w of C_0 w = lambda (C_0 + C_1) w, scaled so that
    w^T (C_0 + C_1) w = 1; S keeps the v whose lambda (class 0's share of the power) is farthest from
    1/2, in increasing lambda: the most unequal power ratios, as many from one class as the data
    gives (a fixed half from each lost 6.6 points on S015's fists/feet). Rows labelled
    ``UNLABELLED`` are left out."""
    labelled_B = labels_B >= 0
    classes = sorted(int(k) for k in torch.unique(labels_B[labelled_B]))
    if len(classes) != 2:
        raise DataError(f"csp spatial initialisation needs labelled windows of exactly two classes; got {classes}")
    covariance_KCC = torch.stack([channel_covariance(windows_BCT[labels_B == k]) for k in classes])
    composite_CC = covariance_KCC.sum(dim=0)
    # C_0 + C_1 = L L^T turns the generalised problem into an ordinary symmetric one: L^-1 C_0 L^-T u = lambda u.
    ridge_CC = EIGENVALUE_FLOOR * torch.eye(len(composite_CC), dtype=torch.float64)
    lower_CC = torch.linalg.cholesky(composite_CC + ridge_CC)
    inverse_lower_CC = torch.linalg.inv(lower_CC)
    eigenvalues_C, eigenvectors_CC = torch.linalg.eigh(inverse_lower_CC @ covariance_KCC[0] @ inverse_lower_CC.T)
    filters_CC = (inverse_lower_CC.T @ eigenvectors_CC).T
    extreme = torch.argsort((eigenvalues_C - 0.5).abs(), descending=True)[:virtual_channels]
    return filters_CC[extreme[torch.argsort(eigenvalues_C[extreme])]]


def spatial_projection(
    windows_BCT: torch.Tensor, how: str, virtual_channels: int, labels_B: torch.Tensor | None
) -> torch.Tensor:
    """S (v x c, float64) by ``how`` (one of ``SPATIAL_INITS``); csp needs ``labels_B``."""
    if how == "csp":
        if labels_B is None:
            raise ConfigError(
                "model.encoder_params.whitening: csp learns the projection from labelled windows; "
                "train with labels (Trainer.fit(X, y_B=labels), -1 where a window has none)"
            )
        return csp_projection(windows_BCT, labels_B, virtual_channels)
    return whitening_projection(windows_BCT, virtual_channels, symmetric=how == "zca")
