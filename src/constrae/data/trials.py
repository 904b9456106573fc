"""Labelled trials: the events of chosen labels across recordings, as window starts.

Shapes: ``n`` trials.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from constrae.data.preprocessing import Preprocessing
from constrae.data.recording import Recording
from constrae.data.windows import sliding_starts
from constrae.errors import DataError

UNLABELLED = -1
"""The label of a row without one: discriminative terms skip it (semi-supervised training)."""


class Trials(NamedTuple):
    """Trials across several recordings, in recording then time order."""

    recording_N: np.ndarray
    """Index of the recording each trial is in."""
    starts_N: np.ndarray
    """First sample of the trial's window: event onset + offset."""
    labels_N: np.ndarray
    """Event label of each trial."""
    spans_N2: np.ndarray
    """[onset, onset + duration) of each trial's event, in samples."""

    def gather(
        self, recordings: list[Recording], windows_at: Callable[[Recording, np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """``windows_at(recording, starts)`` for each recording's trials, concatenated in trial order."""
        return np.concatenate(
            [
                windows_at(recording, self.starts_N[self.recording_N == index])
                for index, recording in enumerate(recordings)
            ]
        )

    def spans_in(self, recording: int, subset_N: np.ndarray | None = None) -> np.ndarray:
        """Event spans of the trials (all, or those indexed by ``subset_N``) in one recording."""
        chosen_N = np.zeros(len(self.starts_N), bool)
        chosen_N[np.arange(len(chosen_N)) if subset_N is None else subset_N] = True
        return self.spans_N2[chosen_N & (self.recording_N == recording)]


def trials_of(recordings: list[Recording], labels: list[str], offset_seconds: float, window: int) -> Trials:
    """Every event labelled one of ``labels``, its window starting ``offset_seconds`` after onset.

    A recording without such events, or a window running past its end, raises a
    DataError naming the file."""
    recording_N, starts_N, labels_N, spans_N2 = [], [], [], []
    for index, recording in enumerate(recordings):
        events = recording.events.select(labels)
        if len(events.onsets_E) == 0:
            present = sorted(set(recording.events.labels_E.tolist()))
            raise DataError(
                f"{recording.source}: no events labelled {', '.join(labels)} "
                f"(it has {', '.join(present) if present else 'no events at all'})"
            )
        starts = events.onsets_E + int(round(offset_seconds * recording.sfreq))
        late = starts + window > recording.n_samples
        if late.any():
            raise DataError(
                f"{recording.source}: the trial at {events.onsets_E[late][0] / recording.sfreq:.2f} s "
                f"has no {window}-sample window {offset_seconds} s after its onset before the recording ends"
            )
        recording_N.append(np.full(len(starts), index))
        starts_N.append(starts)
        labels_N.append(events.labels_E)
        spans_N2.append(np.stack([events.onsets_E, events.onsets_E + events.durations_E], axis=1))
    return Trials(*(np.concatenate(parts) for parts in (recording_N, starts_N, labels_N, spans_N2)))


def classes_inside(starts_N: np.ndarray, window: int, spans_S2: np.ndarray, classes_S: np.ndarray) -> np.ndarray:
    """Per window [s, s + window): the class of the [begin, end) span that holds it whole, else
    ``UNLABELLED`` (rest, a window across a span's edge)."""
    labels_N = np.full(len(starts_N), UNLABELLED, dtype=np.int64)
    for (begin, end), label in zip(spans_S2, classes_S, strict=True):
        labels_N[(starts_N >= begin) & (starts_N + window <= end)] = label
    return labels_N


def window_classes(
    recording: Recording,
    starts_N: np.ndarray,
    window: int,
    classes: list[str],
    labelled_seconds: list[float] | None = None,
) -> np.ndarray:
    """Per window at ``starts_N``: k when the whole window lies inside an event labelled
    ``classes[k]`` (and inside [onset + a, onset + b] of it for ``labelled_seconds`` [a, b]), else
    ``UNLABELLED`` (rest, other events, a window across a cue)."""
    events = recording.events
    chosen_E = np.isin(events.labels_E, classes)
    spans_E2 = np.stack([events.onsets_E, events.onsets_E + events.durations_E], axis=1)[chosen_E]
    if labelled_seconds is not None:
        begin, end = (int(round(seconds * recording.sfreq)) for seconds in labelled_seconds)
        spans_E2 = np.stack([spans_E2[:, 0] + begin, np.minimum(spans_E2[:, 1], spans_E2[:, 0] + end)], axis=1)
    return classes_inside(starts_N, window, spans_E2, np.array([classes.index(k) for k in events.labels_E[chosen_E]]))


def window_event_labels(recording: Recording, starts_N: np.ndarray, window: int) -> np.ndarray:
    """Per window at ``starts_N``: the label of the event that holds the whole window, or "" (none,
    or a window across an event's edge)."""
    labels = sorted({str(label) for label in recording.events.labels_E})
    classes_N = window_classes(recording, starts_N, window, labels)
    return np.array([labels[k] if k != UNLABELLED else "" for k in classes_N], dtype=str)


def eeg_labels(recordings: list, preprocessing: Preprocessing, classes: list[str] | None) -> np.ndarray | None:
    """Each training window's class (``data.eeg.classes``), in the rows' order; None without classes.
    A DataError names classes that no recording has an event of."""
    if classes is None:
        return None
    present = {str(label) for recording in recordings for label in recording.events.labels_E}
    missing = [name for name in classes if name not in present]
    if missing:
        raise DataError(f"data.eeg.classes: no event labelled {', '.join(missing)} in the recordings")
    return np.concatenate(
        [
            window_classes(
                recording,
                sliding_starts(recording.n_samples, preprocessing.window, preprocessing.hop),
                preprocessing.window,
                classes,
                preprocessing.config.labelled_seconds,
            )
            for recording in recordings
        ]
    )
