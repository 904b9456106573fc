"""Covariance windows mapped to the tangent space at their Riemannian mean.

A window's spatial covariance C (shrunk with the OAS estimator) is whitened by the
reference R and mapped through the matrix logarithm: T = logm(R^-1/2 C R^-1/2),
kept as its upper triangle with off-diagonal entries times sqrt(2), so that the
Euclidean norm of the vector equals the Frobenius norm of T (Barachant et al.,
"Multiclass BCI classification by Riemannian geometry", 2012). With R the
Riemannian (Karcher) mean of the training covariances the map is affine
invariant, which is what makes unsupervised covariance features competitive.

Shapes: ``n`` windows, ``c`` channels, ``w`` samples per window, ``m`` = c(c+1)/2.
"""

import numpy as np

MEAN_ITERATIONS = 30
MEAN_TOLERANCE = 1e-6
"""Stop when ||mean_i logm(M^-1/2 C_i M^-1/2)||_F falls below this (about 8 iterations on EEG)."""
MEAN_WINDOWS = 400
"""At most this many evenly spaced training windows enter the mean: it is then as
good as settled, and each iteration costs one eigendecomposition per window."""


def oas_covariances(windows_NCW: np.ndarray) -> np.ndarray:
    """Per-window covariance with Oracle Approximating Shrinkage towards mu I
    (Chen et al., 2010; the estimator of scikit-learn's ``oas``), on centred windows."""
    windows_NCW = np.asarray(windows_NCW, dtype=np.float64)
    n_channels, n_samples = windows_NCW.shape[1:]
    centred_NCW = windows_NCW - windows_NCW.mean(axis=2, keepdims=True)
    sample_NCC = centred_NCW @ centred_NCW.transpose(0, 2, 1) / n_samples
    mu_N = np.trace(sample_NCC, axis1=1, axis2=2) / n_channels
    alpha_N = (sample_NCC**2).mean(axis=(1, 2))
    numerator_N = alpha_N + mu_N**2
    denominator_N = (n_samples + 1) * (alpha_N - mu_N**2 / n_channels)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrinkage_N = np.where(denominator_N > 0, np.minimum(numerator_N / denominator_N, 1.0), 1.0)
    identity_CC = np.eye(n_channels)
    return (1 - shrinkage_N)[:, None, None] * sample_NCC + (shrinkage_N * mu_N)[:, None, None] * identity_CC


def _symmetric_function(M_NCC: np.ndarray, function) -> np.ndarray:
    eigenvalues_NC, eigenvectors_NCC = np.linalg.eigh(M_NCC)
    return (eigenvectors_NCC * function(eigenvalues_NC)[..., None, :]) @ eigenvectors_NCC.swapaxes(-1, -2)


def riemannian_mean(C_NCC: np.ndarray) -> np.ndarray:
    """Karcher mean of SPD matrices under the affine-invariant metric, by the
    fixed-point iteration M <- M^1/2 expm(mean_i logm(M^-1/2 C_i M^-1/2)) M^1/2,
    started from the log-Euclidean mean."""
    C_NCC = C_NCC[np.linspace(0, len(C_NCC) - 1, min(len(C_NCC), MEAN_WINDOWS)).round().astype(int)]
    mean_CC = _symmetric_function(_symmetric_function(C_NCC, np.log).mean(axis=0), np.exp)
    for _ in range(MEAN_ITERATIONS):
        root_CC = _symmetric_function(mean_CC, np.sqrt)
        inv_root_CC = _symmetric_function(mean_CC, lambda e: 1 / np.sqrt(e))
        step_CC = _symmetric_function(inv_root_CC @ C_NCC @ inv_root_CC, np.log).mean(axis=0)
        mean_CC = root_CC @ _symmetric_function(step_CC, np.exp) @ root_CC
        if np.linalg.norm(step_CC) < MEAN_TOLERANCE:
            break
    return mean_CC


def inverse_square_root(M_CC: np.ndarray) -> np.ndarray:
    return _symmetric_function(M_CC, lambda e: 1 / np.sqrt(e))


def upper_triangle_weights(n_channels: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Indices of the upper triangle and the weights (1 on the diagonal, sqrt 2 off it)."""
    rows, cols = np.triu_indices(n_channels)
    return (rows, cols), np.where(rows == cols, 1.0, np.sqrt(2.0))


def tangent_vectors(C_NCC: np.ndarray, reference_inv_sqrt_CC: np.ndarray) -> np.ndarray:
    """(n, m) vectors upper(logm(R^-1/2 C R^-1/2)) with sqrt 2 off-diagonal weights."""
    whitened_NCC = reference_inv_sqrt_CC @ C_NCC @ reference_inv_sqrt_CC
    log_NCC = _symmetric_function(whitened_NCC, np.log)
    (rows, cols), weights_M = upper_triangle_weights(C_NCC.shape[-1])
    return log_NCC[:, rows, cols] * weights_M
