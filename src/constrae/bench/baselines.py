"""The pipelines a user would otherwise run, on MNE's CSP protocol: band-pass 7-30 Hz
(zero-phase FIR), average reference, epochs cropped to 1-2 s after the cue.

Shapes: ``n`` trials, ``c`` channels, ``w`` samples.
"""

from pathlib import Path

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

CSP_COMPONENTS = 4


def mne_protocol_epochs(paths: list[Path], labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, c, w) epochs and their annotation labels, exactly as MNE's
    "Motor imagery decoding from EEG data using CSP" example prepares them."""
    import mne

    raw = mne.concatenate_raws([mne.io.read_raw_edf(path, preload=True, verbose="error") for path in paths])
    mne.datasets.eegbci.standardize(raw)
    raw.set_eeg_reference(projection=True, verbose="error")
    raw.filter(7.0, 30.0, fir_design="firwin", skip_by_annotation="edge", verbose="error")
    events, event_id = mne.events_from_annotations(
        raw, event_id={label: i + 2 for i, label in enumerate(labels)}, verbose="error"
    )
    epochs = mne.Epochs(
        raw, events, event_id, tmin=-1.0, tmax=4.0, proj=True, picks="eeg", baseline=None, preload=True, verbose="error"
    )
    names = {code: label for label, code in event_id.items()}
    return epochs.copy().crop(tmin=1.0, tmax=2.0).get_data(copy=False), np.array(
        [names[c] for c in epochs.events[:, -1]]
    )


def csp_lda() -> Pipeline:
    """CSP (4 components, log-variance) + LDA, MNE's example settings."""
    import mne
    from mne.decoding import CSP

    # CSP logs every fit at INFO level.
    mne.set_log_level("WARNING")
    return make_pipeline(
        CSP(n_components=CSP_COMPONENTS, reg=None, log=True, norm_trace=False), LinearDiscriminantAnalysis()
    )


def tangent_space_lr() -> Pipeline:
    """OAS covariances, tangent space at their Riemannian mean, logistic regression (pyriemann)."""
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace

    return make_pipeline(Covariances("oas"), TangentSpace(metric="riemann"), LogisticRegression(max_iter=2000))
