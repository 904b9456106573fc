"""Population runs: several people's windows pooled, each person aligned on their own windows;
a new user calibrated on a pretrained run with their own alignment and first trials."""

import dataclasses
import json

import numpy as np
import pytest
import yaml

from constrae import load_config
from constrae.data import EEGConfig, Preprocessing, read_recording
from constrae.errors import CheckpointError, ConfigError
from constrae.inference.extractor import FeatureExtractor
from constrae.io import run_folder
from constrae.io.run import resume_run, start_run
from constrae.population import pooled_inputs

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]
TANGENT = EEGConfig(window_seconds=1.0, hop_seconds=0.5, channels=CHANNELS, representation="tangent_space")


def run04(shared_data, subject: str):
    return shared_data / "eegmmidb" / subject / f"{subject}R04.edf"


@pytest.fixture(scope="module")
def two_people(shared_data):
    return [[read_recording(run04(shared_data, s))] for s in ("S001", "S012")]


def rows_of(pooled, index: int) -> slice:
    ends = [*pooled.subject_rows[1:], len(pooled.X)]
    return slice(pooled.subject_rows[index], ends[index])


def test_each_person_is_read_through_the_alignment_fitted_on_their_own_windows(two_people):
    pooled = pooled_inputs(iter(two_people), TANGENT)
    for index, recordings in enumerate(two_people):
        own = Preprocessing.fit(recordings, TANGENT)
        np.testing.assert_array_equal(pooled.X[rows_of(pooled, index)], own.model_inputs(recordings[0]))
        assert pooled.preprocessings[index].to_mapping() == own.to_mapping()
    assert pooled.segment_starts == pooled.subject_rows and pooled.labels is None


def test_recentring_puts_each_persons_mean_covariance_at_the_tangent_origin(two_people):
    """The Riemannian mean is where the log-maps of the covariances sum to zero: aligned, each
    person's mean tangent vector is ~0; through one preprocessing fitted on both people, it is not."""
    aligned = pooled_inputs(iter(two_people), TANGENT)
    shared = Preprocessing.fit([r for person in two_people for r in person], TANGENT)
    rms = np.sqrt(np.mean(aligned.X**2))
    for index, recordings in enumerate(two_people):
        assert np.abs(aligned.X[rows_of(aligned, index)].mean(axis=0)).max() < 1e-4 * rms
        assert np.abs(shared.model_inputs(recordings[0]).mean(axis=0)).max() > 0.1 * rms


def test_every_person_is_read_in_the_first_persons_channel_order(two_people):
    """A person whose file lists the channels in another order gives the same rows."""
    first, second = two_people
    reordered = second[0]
    order = np.arange(len(reordered.channels))[::-1]
    shuffled = dataclasses.replace(
        reordered, signals_CT=reordered.signals_CT[order], channels=tuple(np.array(reordered.channels)[order])
    )
    config = EEGConfig(window_seconds=1.0, hop_seconds=0.5, representation="tangent_space")
    straight = pooled_inputs(iter([first, second]), config)
    crossed = pooled_inputs(iter([first, [shuffled]]), config)
    np.testing.assert_allclose(crossed.X, straight.X, rtol=1e-5, atol=1e-6)


def population_config(tmp_path, shared_data, people=("S001", "S012"), **data) -> object:
    mapping = {
        "model": {"hidden_size": 8, "activation": "relu"},
        "constraints": [{"name": "l1_codes", "lam": 0.001}],
        "train": {"epochs": 2, "batch_size": 32, "val_fraction": 0.0},
        "data": {
            "source": "eeg",
            "subjects": [[str(run04(shared_data, s))] for s in people],
            "eeg": {"window_seconds": 1.0, "hop_seconds": 0.5, "channels": CHANNELS, "representation": "tangent_space"},
            **data,
        },
    }
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump(mapping))
    return load_config(path)


def test_a_config_takes_recordings_or_people_not_both(tmp_path, shared_data):
    with pytest.raises(ConfigError, match="data.paths"):
        population_config(tmp_path, shared_data, paths=[str(run04(shared_data, "S001"))])
    with pytest.raises(ConfigError, match=r"data.subjects\[1\]"):
        population_config(tmp_path, shared_data, subjects=[[str(run04(shared_data, "S001"))], []])


@pytest.fixture(scope="module")
def population_run(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("population")
    start_run(population_config(folder, shared_data), folder / "run", progress=False)
    return folder / "run"


def test_a_population_run_keeps_each_persons_alignment_and_has_none_of_its_own(population_run, two_people):
    stored = run_folder.load_population(population_run)
    assert [p.to_mapping() for p in stored] == [Preprocessing.fit(r, TANGENT).to_mapping() for r in two_people]
    with pytest.raises(CheckpointError, match="population run.*constrae calibrate"):
        FeatureExtractor.load(population_run)


def test_resuming_a_population_run_refits_the_same_alignments(population_run):
    """Resume rebuilds the pooled data (each person's alignment refitted; the fingerprint checks
    the files) and, the run being complete, keeps its weights and its summary's figures."""
    before = run_folder.MODEL_FILE
    weights = (population_run / before).read_bytes()
    summary = json.loads((population_run / run_folder.SUMMARY_FILE).read_text())
    assert resume_run(population_run, progress=False)["mse"] == pytest.approx(summary["mse"], rel=1e-6)
    assert (population_run / before).read_bytes() == weights
