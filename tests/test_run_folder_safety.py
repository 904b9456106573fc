"""Run folders and outputs lose nothing: no command writes over its input or over files that
are not constrae's, resume refuses changed data, and every bad case is one `error:` line."""

import hashlib
import json
import shutil

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from constrae.cli import app

NPY_RUN = {
    "model": {"hidden_size": 4},
    "train": {"epochs": 2, "lr": 1e-2, "batch_size": 16, "val_fraction": 0.0},
    "data": {"source": "npy", "path": "x.npy"},
}


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def digests(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_config(folder, mapping, name="run.yaml"):
    path = folder / name
    path.write_text(yaml.safe_dump(mapping))
    return path


@pytest.fixture
def npy_run(tmp_path):
    """A finished two-epoch run on a (40, 6) .npy, and its config file."""
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((40, 6), dtype=np.float32))
    config = write_config(tmp_path, NPY_RUN)
    result = invoke("train", config, "--out", tmp_path / "run", "--no-progress", "--no-plots")
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def assert_refused(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_encode_onto_its_own_input_is_refused_and_the_input_kept(npy_run, tmp_path):
    before = (tmp_path / "x.npy").read_bytes()
    assert_refused(invoke("encode", npy_run, tmp_path / "x.npy", "-o", tmp_path / "x.npy"), "is also an input")
    assert (tmp_path / "x.npy").read_bytes() == before
    assert_refused(
        invoke("encode", npy_run, tmp_path / "x.npy", "-o", npy_run / "model.safetensors"), "is also an input"
    )


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_encode_output_that_cannot_be_a_file_is_refused_before_any_work(npy_run, tmp_path, where):
    (tmp_path / "plain").write_text("not a folder")
    output = {"folder": tmp_path, "under_a_file": tmp_path / "plain" / "codes.npy"}[where]
    message = {"folder": "is a folder; give the name of a file", "under_a_file": "plain is a file, not a folder"}[where]
    before = digests(tmp_path)
    assert_refused(invoke("encode", npy_run, tmp_path / "x.npy", "-o", output), message)
    assert digests(tmp_path) == before


def test_train_never_writes_into_a_folder_of_other_files_or_onto_a_file(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((10, 6), np.float32))
    config = write_config(tmp_path, NPY_RUN)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    (mine / "summary.json").write_text("{}")
    before = digests(tmp_path)
    assert_refused(invoke("train", config, "--out", mine, "--no-progress"), "is a folder with other files in it")
    assert_refused(invoke("train", config, "--out", mine / "notes.txt", "--no-progress"), "is a file")
    assert digests(tmp_path) == before


def test_resume_removes_only_its_own_temp_files(npy_run):
    (npy_run / ".notes.tmp").write_text("the user's")
    (npy_run / ".model.safetensors.tmp").write_text("not constrae's pattern either")
    (npy_run / ".model.safetensors.constrae-abc123.tmp").write_text("left by a killed writer")
    result = invoke("resume", npy_run, "--no-progress", "--no-plots")
    assert result.exit_code == 0, result.output
    assert (npy_run / ".notes.tmp").read_text() == "the user's"
    assert (npy_run / ".model.safetensors.tmp").exists()
    assert not (npy_run / ".model.safetensors.constrae-abc123.tmp").exists()


@pytest.mark.parametrize("change", ["same_width", "other_width", "removed"])
def test_resume_refuses_data_that_changed_by_name(npy_run, tmp_path, change):
    if change == "removed":
        (tmp_path / "x.npy").unlink()
    else:
        np.save(tmp_path / "x.npy", np.ones((40, 6 if change == "same_width" else 7), np.float32))
    before = digests(npy_run)
    message = "is missing" if change == "removed" else "x.npy has changed since the run started"
    assert_refused(invoke("resume", npy_run, "--no-progress"), "fingerprint.json", message)
    assert digests(npy_run) == before


def test_resume_refuses_an_edited_config_but_not_a_reformatted_one(npy_run):
    config = json.loads((npy_run / "config.json").read_text())
    (npy_run / "config.json").write_text(json.dumps(config))  # the same values, other layout
    assert invoke("resume", npy_run, "--no-progress", "--no-plots").exit_code == 0
    config["train"]["lr"] = 0.5
    (npy_run / "config.json").write_text(json.dumps(config, indent=2))
    assert_refused(invoke("resume", npy_run, "--no-progress"), "config.json has changed since the run started")


def test_a_run_without_fingerprint_resumes_with_a_warning(npy_run):
    (npy_run / "fingerprint.json").unlink()
    with pytest.warns(UserWarning, match="no fingerprint.json .* cannot be checked"):
        result = invoke("resume", npy_run, "--no-progress", "--no-plots")
    assert result.exit_code == 0, result.output


def test_a_config_json_without_input_size_is_named(npy_run):
    config = json.loads((npy_run / "config.json").read_text())
    del config["model"]["input_size"]
    (npy_run / "config.json").write_text(json.dumps(config))
    for command in ("info", "plot"):
        assert_refused(invoke(command, npy_run), "config.json: model.input_size is missing")


def test_a_cut_last_metrics_line_is_left_out_and_garbage_inside_is_named(npy_run):
    metrics = npy_run / "metrics.jsonl"
    lines = metrics.read_text().splitlines()
    metrics.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])
    with pytest.warns(UserWarning, match="last line is cut short"):
        result = invoke("info", npy_run)
    assert result.exit_code == 0 and "1 of 2 epochs" in result.output, result.output
    metrics.write_text(lines[0] + '\n{"loss": "high"}\n' + lines[1] + "\n")
    assert_refused(invoke("info", npy_run), "metrics.jsonl: line 2 is not a record of numbers")


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"model": {"hidden_size": 10**12}}, "model.hidden_size: the model has"),
        ({"train": {"seed": -1}}, "train.seed: must be in [0, 4294967295], got -1"),
        ({"train": {"seed": 2**64}}, "train.seed: must be in [0, 4294967295]"),
    ],
)
def test_impossible_settings_are_named_before_training(tmp_path, edit, message):
    np.save(tmp_path / "x.npy", np.zeros((10, 6), np.float32))
    mapping = {**NPY_RUN, **{key: {**NPY_RUN[key], **value} for key, value in edit.items()}}
    assert_refused(invoke("train", write_config(tmp_path, mapping), "--out", tmp_path / "run"), message)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
        (
            "model:\n  hidden_size: 4\ntrain:\n  epochs: 2\nmodel:\n  hidden_size: 8\n",
            "key 'model' is given twice, at lines 1 and 5",
        ),
    ],
)
def test_yaml_that_would_be_read_silently_wrong_is_refused(tmp_path, text, message):
    (tmp_path / "run.yaml").write_text(text)
    assert_refused(invoke("train", tmp_path / "run.yaml", "--out", tmp_path / "run"), "run.yaml", message)


def test_encoder_channels_must_match_the_recordings(shared_data, tmp_path):
    recording = tmp_path / "S001R04.edf"
    shutil.copy(shared_data / "eegmmidb" / "S001" / "S001R04.edf", recording)
    mapping = {
        "model": {
            "hidden_size": 8,
            "encoder": "spatiotemporal",
            "encoder_params": {"channels": 32, "virtual_channels": 2, "filters": 2, "kernel": 5, "stride": 5},
        },
        "train": {"epochs": 1},
        "data": {"source": "eeg", "paths": [str(recording)], "eeg": {"window_seconds": 0.5, "hop_seconds": 0.5}},
    }
    result = invoke("train", write_config(tmp_path, mapping), "--out", tmp_path / "run", "--no-progress")
    assert_refused(result, "model.encoder_params.channels: 32, but the recordings give 64 channels")
    assert not (tmp_path / "run").exists()
