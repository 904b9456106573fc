"""A run trained on EEG recordings carries its preprocessing: the saved folder encodes a
new recording exactly as the in-memory model does, from Python and from the CLI."""

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from constrae import RunConfig, Trainer, load_config
from constrae.cli import app
from constrae.core.build import build
from constrae.data import read_recording
from constrae.data.loading import load_training_data
from constrae.errors import CheckpointError
from constrae.inference.extractor import FeatureExtractor
from constrae.io.checkpoint import save_model
from constrae.io.run import start_run, with_input_size
from constrae.io.run_folder import load_preprocessing

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]


@pytest.fixture(scope="module")
def eeg_config_file(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("eeg")
    s001 = shared_data / "eegmmidb" / "S001"
    mapping = {
        "model": {
            "hidden_size": 8,
            "activation": "relu",
            "encoder": "spatiotemporal",
            "encoder_params": {
                "channels": len(CHANNELS),
                "virtual_channels": 3,
                "filters": 2,
                "kernel": 16,
                "stride": 8,
            },
        },
        "constraints": [{"name": "l1_codes", "lam": 0.01}],
        "train": {"epochs": 2, "batch_size": 32, "lr": 0.003},
        "data": {
            "source": "eeg",
            "paths": [str(s001 / "S001R04.edf")],
            "n_samples": 200,
            "eeg": {"window_seconds": 0.5, "hop_seconds": 0.25, "channels": CHANNELS},
        },
    }
    path = folder / "eeg.yaml"
    path.write_text(yaml.safe_dump(mapping))
    return path


@pytest.fixture(scope="module")
def eeg_run(eeg_config_file, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run") / "eeg"
    start_run(load_config(eeg_config_file), run_dir, progress=False)
    return run_dir


def test_saved_folder_encodes_a_new_edf_like_the_in_memory_model(eeg_config_file, eeg_run, shared_data):
    config = load_config(eeg_config_file)
    X, preprocessing = load_training_data(config.data)[:2]
    config = with_input_size(config, X)
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X))
    new_recording = read_recording(shared_data / "eegmmidb" / "S001" / "S001R08.edf")
    in_memory = FeatureExtractor.from_model(model, preprocessing).transform_recording(new_recording)
    from_folder = FeatureExtractor.load(eeg_run).transform_recording(new_recording)
    assert in_memory.shape == ((new_recording.n_samples - 80) // 40 + 1, 8)
    np.testing.assert_array_equal(from_folder, in_memory)
    stored = load_preprocessing(eeg_run)
    assert stored.channels == CHANNELS and stored.sfreq == 160.0


def test_cli_encodes_an_edf_with_the_runs_preprocessing(eeg_run, shared_data, tmp_path):
    edf = shared_data / "eegmmidb" / "S001" / "S001R12.edf"
    result = CliRunner().invoke(app, ["encode", str(eeg_run), str(edf), "-o", str(tmp_path / "codes.npy")])
    assert result.exit_code == 0, result.output
    codes = np.load(tmp_path / "codes.npy")
    np.testing.assert_array_equal(codes, FeatureExtractor.load(eeg_run).transform_recording(read_recording(edf)))
    assert "windows of 0.5 s every 0.25 s" in result.output


def test_cli_encodes_to_npz_with_each_windows_start_and_the_event_that_holds_it(eeg_run, shared_data, tmp_path):
    edf = shared_data / "eegmmidb" / "S001" / "S001R12.edf"
    result = CliRunner().invoke(app, ["encode", str(eeg_run), str(edf), "-o", str(tmp_path / "codes.npz")])
    assert result.exit_code == 0, result.output
    saved = np.load(tmp_path / "codes.npz", allow_pickle=False)
    recording = read_recording(edf)
    np.testing.assert_array_equal(saved["codes"], FeatureExtractor.load(eeg_run).transform_recording(recording))
    np.testing.assert_allclose(np.diff(saved["start_seconds"]), 0.25)
    assert saved["start_seconds"][0] == 0 and len(saved["start_seconds"]) == len(saved["codes"])
    events = recording.events
    for start, label in zip(saved["start_seconds"], saved["event_labels"], strict=True):
        first, last = start * recording.sfreq, start * recording.sfreq + 80
        holders = [
            str(name)
            for onset, duration, name in zip(events.onsets_E, events.durations_E, events.labels_E, strict=True)
            if onset <= first and last <= onset + duration
        ]
        assert label == (holders[0] if holders else "")
    assert {"T0", "T1", "T2", ""} == set(saved["event_labels"].tolist())


def test_info_shows_the_preprocessing_a_run_reads_with(eeg_run):
    result = CliRunner().invoke(app, ["info", str(eeg_run)])
    assert result.exit_code == 0, result.output
    assert "encoder: spatiotemporal" in result.output
    assert "preprocessing: 8 channels at 160 Hz, causal band-pass 7.0-30.0 Hz (order 4), 0.5 s windows" in result.output


def test_cli_names_a_recording_with_missing_channels(eeg_run, tmp_path):
    np.savez(tmp_path / "two.npz", signals=np.zeros((2, 400)), sfreq=160.0, channels=np.array(["C3", "C4"]))
    result = CliRunner().invoke(app, ["encode", str(eeg_run), str(tmp_path / "two.npz"), "-o", str(tmp_path / "c.npy")])
    assert result.exit_code == 2
    assert "two.npz: 6 of the model's 8 channels are missing: FC3, FC4, Cz, CP3, CP4, Fz" in result.output
    assert not (tmp_path / "c.npy").exists()


def test_a_run_on_feature_matrices_has_no_recording_path(tmp_path):
    config = RunConfig.from_mapping({"model": {"input_size": 4, "hidden_size": 2}})
    save_model(tmp_path, config, build(config)[0])
    with pytest.raises(CheckpointError, match="was trained on a feature matrix and has no preprocessing.json"):
        FeatureExtractor.load(tmp_path)


def test_training_data_of_several_recordings_names_where_each_recording_starts(eeg_config_file, shared_data):
    config = load_config(eeg_config_file)
    s001 = shared_data / "eegmmidb" / "S001"
    two = RunConfig.from_mapping(
        {
            **config.to_mapping(),
            "data": {
                **config.to_mapping()["data"],
                "paths": [str(s001 / "S001R04.edf"), str(s001 / "S001R08.edf")],
                "n_samples": None,
            },
        }
    )
    X, preprocessing, starts = load_training_data(two.data)[:3]
    first_windows = len(preprocessing.model_inputs(read_recording(s001 / "S001R04.edf")))
    assert starts == [0, first_windows] and 0 < first_windows < len(X)
    cut = RunConfig.from_mapping({**two.to_mapping(), "data": {**two.to_mapping()["data"], "n_samples": first_windows}})
    assert load_training_data(cut.data).segment_starts == [0]


def test_exported_onnx_files_carry_the_runs_channels_rate_units_and_preprocessing(eeg_run, tmp_path):
    import json

    import onnx

    from constrae.data import Preprocessing

    result = CliRunner().invoke(app, ["export", str(eeg_run), "-o", str(tmp_path / "e.onnx"), "--int8"])
    assert result.exit_code == 0, result.output
    stored = load_preprocessing(eeg_run)
    for path in (tmp_path / "e.onnx", tmp_path / "e.int8.onnx"):
        props = {entry.key: entry.value for entry in onnx.load(str(path)).metadata_props}
        assert json.loads(props["constrae.channels"]) == CHANNELS == stored.channels
        assert float(props["constrae.sfreq"]) == 160.0 and props["constrae.units"] == "V"
        carried = Preprocessing.from_mapping(json.loads(props["constrae.preprocessing"]), "onnx")
        assert carried.to_mapping() == stored.to_mapping()
        assert json.loads(props["constrae.model"])["encoder"] == "spatiotemporal"


def test_plot_draws_scalp_maps_and_frequency_responses_of_a_raw_eeg_model(eeg_run):
    result = CliRunner().invoke(app, ["plot", str(eeg_run)])
    assert result.exit_code == 0, result.output
    for name in ("spatial_topomaps.png", "temporal_responses.png"):
        assert (eeg_run / "figures" / name).read_bytes()[:4] == b"\x89PNG", name
