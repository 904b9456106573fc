"""``data.eeg.classes`` labels the windows inside cued events, and a run trains on them: the
example CSP power run's projection is the common spatial patterns of exactly those windows."""

from pathlib import Path

import numpy as np
import pytest
import torch

from constrae import load_config
from constrae.core.encoders.spatial_init import csp_projection
from constrae.core.labels import UNLABELLED
from constrae.data import read_recording
from constrae.data.loading import load_training_data
from constrae.data.preprocessing import EEGConfig
from constrae.data.trials import window_classes
from constrae.errors import ConfigError, DataError
from constrae.io.checkpoint import load_model
from constrae.io.run import start_run

EXAMPLE = Path(__file__).parent.parent / "examples" / "s001_csp_power.yaml"


def test_a_window_takes_the_class_of_the_event_that_holds_it_whole(shared_data):
    recording = read_recording(shared_data / "eegmmidb" / "S001" / "S001R04.edf")
    window = 160
    starts_N = np.arange(0, recording.n_samples - window, 40)
    labels_N = window_classes(recording, starts_N, window, ["T1", "T2"])
    events = recording.events
    for start, label in zip(starts_N, labels_N, strict=True):
        holders = [
            str(name)
            for onset, duration, name in zip(events.onsets_E, events.durations_E, events.labels_E, strict=True)
            if onset <= start and start + window <= onset + duration and name in ("T1", "T2")
        ]
        assert label == (["T1", "T2"].index(holders[0]) if holders else UNLABELLED)
    assert {UNLABELLED, 0, 1} == set(labels_N.tolist())


def test_labelled_seconds_label_only_the_windows_inside_that_part_of_their_event(shared_data):
    recording = read_recording(shared_data / "eegmmidb" / "S001" / "S001R04.edf")
    window, starts_N = 160, np.arange(0, recording.n_samples - 160, 20)
    anywhere_N = window_classes(recording, starts_N, window, ["T1", "T2"])
    near_N = window_classes(recording, starts_N, window, ["T1", "T2"], [0.5, 2.5])
    onsets = recording.events.onsets_E[np.isin(recording.events.labels_E, ["T1", "T2"])]
    for start, anywhere, near in zip(starts_N, anywhere_N, near_N, strict=True):
        since_onset = start - onsets[onsets <= start].max() if (onsets <= start).any() else -1
        inside = anywhere != UNLABELLED and 80 <= since_onset and since_onset + window <= 400
        assert near == (anywhere if inside else UNLABELLED)
    # Starts 0.5 to 1.5 s (160 samples) after each cue, on a grid of 20 samples: 8 or 9 per cue.
    assert 8 * len(onsets) <= (near_N != UNLABELLED).sum() <= 9 * len(onsets)
    with pytest.raises(ConfigError, match=r"data.eeg.labelled_seconds: must be \[a, b\]"):
        EEGConfig(classes=["T1", "T2"], labelled_seconds=[0.5, 1.0], window_seconds=1.0)


def test_the_example_csp_run_projects_onto_the_patterns_of_its_labelled_windows(tmp_path):
    config = load_config(EXAMPLE)
    config.train.epochs, config.train.val_fraction = 2, 0.0
    data = load_training_data(config.data)
    assert data.labels is not None and data.labels.shape == (len(data.X),)
    start_run(config, tmp_path / "run", progress=False)
    model, _ = load_model(tmp_path / "run")
    windows_BCT = torch.from_numpy(data.X).reshape(len(data.X), 64, -1)
    expected_VC = csp_projection(windows_BCT, torch.from_numpy(data.labels), 4).float()
    torch.testing.assert_close(model.encoder.spatial.weight.detach(), expected_VC, rtol=1e-4, atol=1e-5)


def test_classes_are_checked_by_name(shared_data):
    config = load_config(EXAMPLE)
    with pytest.raises(ConfigError, match=r"data.eeg.classes: must name two or more distinct event labels"):
        type(config.data.eeg)(classes=["T1", "T1"])
    config.data.eeg.classes = ["T1", "T7"]
    with pytest.raises(DataError, match=r"data.eeg.classes: no event labelled T7"):
        load_training_data(config.data)
