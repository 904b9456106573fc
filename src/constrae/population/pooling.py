"""Pool several subjects' windows for one autoencoder, each subject aligned on their own data.

Alignment is a ``Preprocessing`` fitted per subject: channel standardisation on the subject's
windows and, for tangent-space inputs, the tangent reference at the subject's own Riemannian
mean covariance. The latter is Riemannian re-centring (Zanini et al. 2018, "Transfer learning:
a Riemannian geometry framework with applications to BCI"): every subject's covariances are
whitened by that subject's mean, so all of them lie around the identity. Fitted on a subject's
windows without their labels, it needs no trial of a new user.

Shapes: ``n`` windows, ``f`` model inputs per window.
"""

import dataclasses
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np

from constrae.data import EEGConfig, Preprocessing, Recording
from constrae.data.trials import eeg_labels
from constrae.errors import DataError


def aligned_preprocessing(
    recordings: list[Recording], config: EEGConfig, exclude_spans: list[np.ndarray] | None = None
) -> Preprocessing:
    """One subject's alignment, fitted on the windows of ``recordings`` that overlap none of
    ``exclude_spans[i]`` (per recording, [begin, end) samples: a new user's evaluation trials)."""
    return Preprocessing.fit(recordings, config, exclude_spans)


class PooledInputs(NamedTuple):
    """Every subject's windows in one array, each through its own alignment."""

    X: np.ndarray
    """(n, f) float32 model inputs, subject after subject, recording after recording."""
    preprocessings: list[Preprocessing]
    """Each subject's fitted alignment, in subject order."""
    segment_starts: list[int]
    """First row of each recording (no sequence term links rows across recordings or subjects)."""
    subject_rows: list[int]
    """First row of each subject."""
    labels: np.ndarray | None
    """With ``classes`` in the config: each row's class, or -1 (unlabelled); else None."""


def pooled_inputs(subjects: Iterable[list[Recording]], config: EEGConfig) -> PooledInputs:
    """Each subject's sliding windows through the alignment fitted on them (no labels).

    ``subjects`` may be a generator that reads one subject's recordings at a time, so only one
    subject's recordings are in memory. Each subject's inputs are kept as they are made, then
    moved into one array a subject at a time, each part freed once copied: the peak is the pool
    plus one subject's part, never the pool twice."""
    parts: list[np.ndarray] = []
    preprocessings: list[Preprocessing] = []
    recording_rows: list[int] = []
    labels: list[np.ndarray] = []
    for index, recordings in enumerate(subjects):
        if not recordings:
            raise DataError(f"population subject {index + 1} has no recordings")
        preprocessing = aligned_preprocessing(recordings, config)
        if preprocessings and not np.isclose(preprocessing.sfreq, preprocessings[0].sfreq):
            raise DataError(
                f"{recordings[0].source}: sampling rate {preprocessing.sfreq} Hz, the population's first subject "
                f"has {preprocessings[0].sfreq} Hz"
            )
        # Every subject is read in the first one's channel order (a missing channel is refused by name).
        config = dataclasses.replace(config, channels=preprocessing.channels)
        subject_parts = [preprocessing.model_inputs(recording) for recording in recordings]
        recording_rows += [len(part) for part in subject_parts]
        parts.append(np.concatenate(subject_parts))
        subject_labels = eeg_labels(recordings, preprocessing, config.classes)
        labels += [] if subject_labels is None else [subject_labels]
        preprocessings.append(preprocessing)
    if not parts:
        raise DataError("a population needs at least one subject")
    subject_lengths = [len(part) for part in parts]
    X = np.empty((sum(subject_lengths), parts[0].shape[1]), np.float32)
    for start, length in zip(_starts(subject_lengths), subject_lengths, strict=True):
        X[start : start + length] = parts.pop(0)
    return PooledInputs(
        X,
        preprocessings,
        list(_starts(recording_rows)),
        list(_starts(subject_lengths)),
        np.concatenate(labels) if labels else None,
    )


def _starts(lengths: list[int]) -> Iterator[int]:
    start = 0
    for length in lengths:
        yield start
        start += length
