"""The pipelines a user would otherwise run, on MNE's CSP protocol: band-pass 7-30 Hz
(zero-phase FIR), average reference, epochs cropped to 1-2 s after the cue.

Shapes: ``n`` trials, ``c`` channels, ``w`` samples.
"""

from pathlib import Path

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from constrae.data import EEGConfig, Recording
from constrae.data.filters import CausalFilter, design_sos
from constrae.data.windows import windows_at

CSP_COMPONENTS = 4


def mne_protocol_epochs(
    paths: list[Path], labels: list[str], offset_seconds: float = 1.0, trial_seconds: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """(n, c, w) epochs and their event labels, as MNE's "Motor imagery decoding from EEG data
    using CSP" example prepares them: average reference, zero-phase FIR 7-30 Hz on the whole
    recording, each trial cropped to [offset, offset + length] after its event. Events from the
    annotations, or the stim channel (labelled by code) of a file without any."""
    import mne

    from constrae.data.recording import names_as_read

    raw = mne.concatenate_raws([mne.io.read_raw(path, preload=True, verbose="error") for path in paths])
    raw.rename_channels(dict(zip(raw.ch_names, names_as_read(raw.ch_names), strict=True)))
    raw.set_eeg_reference(projection=True, verbose="error")
    raw.filter(7.0, 30.0, fir_design="firwin", skip_by_annotation="edge", verbose="error")
    event_id = {label: i + 2 for i, label in enumerate(labels)}
    # Concatenation adds boundary annotations of its own: look for the labels themselves.
    if set(raw.annotations.description) & set(labels):
        events, event_id = mne.events_from_annotations(raw, event_id=event_id, verbose="error")
    else:
        events = mne.find_events(raw, consecutive=True, shortest_event=1, verbose="error")
        codes = {int(label): label for label in labels if label.isdigit()}
        events = events[np.isin(events[:, 2], list(codes))]
        event_id = {codes[code]: code for code in codes}
    tmin, tmax = min(-1.0, offset_seconds), max(4.0, offset_seconds + trial_seconds)
    epochs = mne.Epochs(
        raw,
        events,
        event_id,
        tmin=tmin,
        tmax=tmax,
        proj=True,
        picks="eeg",
        baseline=None,
        preload=True,
        verbose="error",
    )
    names = {code: label for label, code in event_id.items()}
    cropped = epochs.copy().crop(tmin=offset_seconds, tmax=offset_seconds + trial_seconds)
    return cropped.get_data(copy=False), np.array([names[c] for c in epochs.events[:, -1]])


def causal_band_windows(
    recording: Recording, starts_N: np.ndarray, window: int, channels: list[str] | None = None
) -> np.ndarray:
    """``recording``'s channels (all, or ``channels`` in that order) band-passed causally from its
    start as constrae streams (the default ``EEGConfig`` band and order), cut at ``starts_N``."""
    band = EEGConfig()
    signals_CT = recording.signals_CT
    if channels is not None:
        signals_CT = signals_CT[[recording.channels.index(name) for name in channels]]
    sos = design_sos(recording.sfreq, band.l_freq, band.h_freq, None, band.filter_order)
    return windows_at(CausalFilter(sos, len(signals_CT))(signals_CT), starts_N, window)


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
