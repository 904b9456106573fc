"""An ``mne.io.Raw`` as a Recording: its EEG channels in volts, its events from annotations or,
when it has none, from its stim channel."""

import numpy as np

from constrae.data.recording import Events, Recording, names_as_read


def stim_events(raw) -> Events:
    """Events of the stim channel: each step to a non-zero code is an event labelled with the
    code ("2"), lasting until the channel leaves that code; none without a stim channel."""
    import mne

    if not mne.pick_types(raw.info, stim=True).size:
        return Events.none()
    onsets = mne.find_events(raw, output="onset", consecutive=True, shortest_event=1, verbose="error")
    offsets = mne.find_events(raw, output="offset", consecutive=True, shortest_event=1, verbose="error")
    if len(onsets) != len(offsets):
        offsets = onsets
    return Events(
        (onsets[:, 0] - raw.first_samp).astype(np.int64),
        (offsets[:, 0] - onsets[:, 0] + 1).astype(np.int64),
        np.array([str(code) for code in onsets[:, 2]], dtype="U"),
    )


def annotation_events(raw) -> Events:
    sfreq = float(raw.info["sfreq"])
    annotations = raw.annotations
    return Events(
        np.round((annotations.onset - raw.first_time) * sfreq).astype(np.int64),
        np.round(annotations.duration * sfreq).astype(np.int64),
        np.array([str(d) for d in annotations.description], dtype="U"),
    )


def recording_from_raw(raw, source: str) -> Recording:
    """The EEG channels of ``raw`` (loaded), names as ``names_as_read`` gives them."""
    events = annotation_events(raw) if len(raw.annotations) else stim_events(raw)
    eeg = raw.copy().pick("eeg")
    names = names_as_read(eeg.ch_names)
    return Recording(eeg.get_data(), float(raw.info["sfreq"]), names, events, source, units="V")
