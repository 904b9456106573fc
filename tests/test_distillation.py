"""Distillation on real S001 runs: a power-encoder student of a tangent-space teacher reads the
recordings with the teacher's preprocessing and moves its codes towards the teacher's on windows
it never trained on."""

import dataclasses
import json

import pytest
import torch

from constrae.constraints.distillation import code_distance
from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.data import read_recording
from constrae.errors import CheckpointError, ConfigError
from constrae.io import checkpoint, run_folder
from constrae.io.run import start_run
from constrae.io.teacher import load_teacher

HIDDEN = 16
TRAIN = {"epochs": 8, "lr": 3e-3, "batch_size": 64, "val_fraction": 0.0}


def eeg_data(shared_data, representation: str) -> dict:
    return {
        "source": "eeg",
        "paths": [str(shared_data / "eegmmidb" / "S001" / "S001R06.edf")],
        "eeg": {"hop_seconds": 0.25, "representation": representation},
    }


def student_config(shared_data, teacher: str, hidden_size: int = HIDDEN, epochs: int = 8) -> RunConfig:
    return RunConfig.from_mapping(
        {
            "model": {
                "hidden_size": hidden_size,
                "activation": "linear",
                "encoder": "power",
                "encoder_params": {"channels": 64, "virtual_channels": 16},
            },
            "constraints": [{"name": "distillation", "teacher": teacher, "lam": 10.0}],
            "train": {**TRAIN, "epochs": epochs},
            "data": eeg_data(shared_data, "raw"),
        }
    )


@pytest.fixture(scope="module")
def teacher_run(shared_data, tmp_path_factory):
    """A small tangent-space AE on one S001 run."""
    folder = tmp_path_factory.mktemp("teacher") / "run"
    config = RunConfig.from_mapping(
        {
            "model": {"hidden_size": HIDDEN, "activation": "linear"},
            "train": TRAIN,
            "data": eeg_data(shared_data, "tangent_space"),
        }
    )
    start_run(config, folder, progress=False)
    return folder


def untrained_student(config: RunConfig, X_train) -> torch.nn.Module:
    """The student as training starts: built with the run's seed, whitening PCA on the training windows."""
    torch.manual_seed(config.train.seed)
    model, _ = build(dataclasses.replace(config, model=dataclasses.replace(config.model, input_size=X_train.shape[1])))
    model.encoder.initialise_from(torch.from_numpy(X_train))
    return model


@pytest.mark.slow
def test_the_student_gets_closer_to_the_teacher_on_held_out_windows(shared_data, teacher_run, tmp_path):
    config = student_config(shared_data, str(teacher_run))
    start_run(config, tmp_path / "student", progress=False)
    teacher = load_teacher(teacher_run)
    student, _ = checkpoint.load_model(tmp_path / "student")
    preprocessing = run_folder.load_preprocessing(tmp_path / "student")
    assert preprocessing is not None and preprocessing.config.representation == "raw"
    # The teacher's preprocessing, reused: same channels, filter, window and standardisation.
    teacher_mapping = json.loads((teacher_run / run_folder.PREPROCESSING_FILE).read_text())
    for key in ("channels", "channel_mean", "channel_std", "sfreq"):
        assert preprocessing.to_mapping()[key] == teacher_mapping[key]
    S001 = shared_data / "eegmmidb" / "S001"
    X_train = preprocessing.model_inputs(read_recording(S001 / "S001R06.edf"))
    held_out = preprocessing.model_inputs(read_recording(S001 / "S001R10.edf"))
    before = code_distance(untrained_student(config, X_train), teacher, held_out)
    after = code_distance(student, teacher, held_out)
    assert after < 0.8 * before, (before, after)


def test_a_teacher_of_another_size_or_no_teacher_is_refused_by_name(shared_data, teacher_run, tmp_path):
    with pytest.raises(ConfigError, match="distillation.teacher: .* has 16 hidden units, the student 8"):
        start_run(student_config(shared_data, str(teacher_run), hidden_size=8), tmp_path / "a", progress=False)
    with pytest.raises(ConfigError, match="distillation.teacher: name the teacher's run folder"):
        start_run(student_config(shared_data, ""), tmp_path / "b", progress=False)
    with pytest.raises(CheckpointError, match="nowhere"):
        start_run(student_config(shared_data, str(tmp_path / "nowhere")), tmp_path / "c", progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_term_without_its_teacher_says_how_to_get_one():
    config = RunConfig.from_mapping(
        {"model": {"input_size": 4, "hidden_size": 3}, "constraints": [{"name": "distillation", "teacher": "x"}]}
    )
    model, objective = build(config)
    with pytest.raises(ConfigError, match="no teacher loaded"):
        objective(model, torch.zeros(2, 4))
