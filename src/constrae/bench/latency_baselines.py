"""The feature extractors a user would otherwise run, as callables on one window, for the latency benchmark.

Shapes: ``b`` windows (1 per call), ``c`` channels, ``t`` samples, ``n`` = c t,
``h`` dictionary atoms. Each builder returns ``(call, inputs)``: a function of one
window and the windows to cycle through, in the layout that baseline takes.
"""

from collections.abc import Callable

import numpy as np

from constrae.bench._imports import require
from constrae.bench.baselines import csp_lda
from constrae.bench.eeg_windows import EegWindows

LASSO_ALPHA = 1.0
"""scikit-learn's default transform_alpha for SparseCoder."""
OMP_NONZEROS = 25
"""Non-zero coefficients for OMP (its default, n / 10, exceeds the dictionary size)."""

Baseline = tuple[Callable[[np.ndarray], object], list[np.ndarray]]


def csp_lda_predict(eeg: EegWindows) -> Baseline:
    """MNE's CSP (4 components, log-variance) + LDA (``constrae.bench.baselines.csp_lda``),
    fitted on S001's fists/feet trials; ``predict``."""
    import mne

    pipeline = csp_lda()
    with mne.utils.use_log_level("ERROR"):
        pipeline.fit(eeg.trials_BCT.astype(np.float64), eeg.labels_B)
    return pipeline.predict, [window_CT[None] for window_CT in eeg.windows_BCT]


def sparse_coder(dictionary_HN: np.ndarray, algorithm: str, eeg: EegWindows) -> Baseline:
    """scikit-learn's SparseCoder over the same atoms as an autoencoder's decoder, rows of unit norm."""
    from sklearn.decomposition import SparseCoder

    atoms_HN = dictionary_HN / np.linalg.norm(dictionary_HN, axis=1, keepdims=True)
    options: dict[str, dict[str, float]] = {
        "lasso_lars": {"transform_alpha": LASSO_ALPHA},
        "omp": {"transform_n_nonzero_coefs": OMP_NONZEROS},
    }
    coder = SparseCoder(atoms_HN.astype(np.float32), transform_algorithm=algorithm, **options[algorithm])
    return coder.transform, [window_CT.reshape(1, -1) for window_CT in eeg.windows_BCT]


def visibility_graph_degrees(eeg: EegWindows) -> Baseline:
    """ts2vg natural visibility graph of each channel of the window; features are the degree sequences."""
    ts2vg = require("ts2vg", "ts2vg")

    def degrees(window_CT: np.ndarray) -> np.ndarray:
        return np.concatenate([ts2vg.NaturalVG().build(series_T).degrees for series_T in window_CT])

    return degrees, [window_CT.astype(np.float64) for window_CT in eeg.windows_BCT]


def all_baselines(dictionary_HN: np.ndarray, eeg: EegWindows) -> dict[str, Baseline]:
    """Every baseline by the name the benchmark reports."""
    return {
        "csp_lda": csp_lda_predict(eeg),
        "sparse_coder_lasso_lars": sparse_coder(dictionary_HN, "lasso_lars", eeg),
        "sparse_coder_omp": sparse_coder(dictionary_HN, "omp", eeg),
        "ts2vg_degrees": visibility_graph_degrees(eeg),
    }
