"""Serving on the NumPy path without torch: a run folder keeps the NumPy copy of its encoder, and
`constrae stream` serves a real LSL stream in a process where torch cannot be imported."""

import json
import shutil
import subprocess
import sys
import time
import uuid

import numpy as np
import pylsl
import pytest
from safetensors.numpy import load_file, save_file

from constrae.data import read_recording
from constrae.errors import CheckpointError
from constrae.inference.extractor import FeatureExtractor
from constrae.io.checkpoint import load_model
from constrae.io.run_folder import MODEL_FILE, NUMPY_ENCODER_FILE, CheckpointWarning, load_preprocessing
from constrae.stream.decoder import fit_decoder

WITHOUT_TORCH = """
import sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError(f"{name}: torch is blocked in this process")

sys.meta_path.insert(0, NoTorch())
from constrae.cli.app import main
sys.argv[0] = "constrae"
main()
"""
"""A `constrae` process in which `import torch` raises ImportError."""


def test_the_serving_modules_and_the_command_line_import_without_torch():
    modules = "constrae, constrae.inference.extractor, constrae.stream.server, constrae.stream.decoder"
    modules += ", constrae.cli.app"
    code = f"import sys, {modules}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("run", ["raw_run", "power_run", "tangent_run", "binary_run"])
def test_the_stored_numpy_encoder_gives_the_torch_models_codes(run, request, s001_run04):
    run_dir = request.getfixturevalue(run)
    assert (run_dir / NUMPY_ENCODER_FILE).is_file()
    model, _ = load_model(run_dir)
    stored = FeatureExtractor.load(run_dir, backend="numpy")
    reference = FeatureExtractor.from_model(model, load_preprocessing(run_dir), backend="torch")
    recording = read_recording(s001_run04)
    codes_NH, expected_NH = stored.transform_recording(recording), reference.transform_recording(recording)
    assert stored.encoder.backend == "numpy" and reference.encoder.backend == "torch"
    assert codes_NH.dtype == expected_NH.dtype and stored.outputs_bits == reference.outputs_bits
    if stored.outputs_bits:
        # A bit may flip where a pre-activation is within rounding of its threshold.
        assert np.mean(codes_NH != expected_NH) < 1e-3
    else:
        np.testing.assert_allclose(codes_NH, expected_NH, rtol=1e-4, atol=1e-5 * np.abs(expected_NH).max())


def test_a_numpy_encoder_of_other_weights_is_not_used(raw_run, tmp_path, s001_run04):
    """After model.safetensors changes (a run copied over, a file replaced), the NumPy copy no longer
    describes it: loading says so and takes the torch model."""
    run_dir = shutil.copytree(raw_run, tmp_path / "run")
    tensors = load_file(run_dir / MODEL_FILE)
    name = next(iter(tensors))
    tensors[name] = tensors[name] * 2
    save_file(tensors, run_dir / MODEL_FILE, metadata={"format": "constrae-model/1"})
    with pytest.warns(CheckpointWarning, match=NUMPY_ENCODER_FILE):
        extractor = FeatureExtractor.load(run_dir)
    assert extractor.encoder.backend == "numpy"
    model, _ = load_model(run_dir)
    expected = FeatureExtractor.from_model(model, load_preprocessing(run_dir), backend="torch")
    recording = read_recording(s001_run04)
    np.testing.assert_allclose(
        extractor.transform_recording(recording), expected.transform_recording(recording), rtol=1e-4, atol=1e-5
    )


def test_a_truncated_numpy_encoder_is_a_checkpoint_error_naming_it(raw_run, tmp_path):
    run_dir = shutil.copytree(raw_run, tmp_path / "run")
    data = (run_dir / NUMPY_ENCODER_FILE).read_bytes()
    (run_dir / NUMPY_ENCODER_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=NUMPY_ENCODER_FILE):
        FeatureExtractor.load(run_dir)


def test_a_run_without_a_numpy_encoder_is_served_through_torch(raw_run, tmp_path, s001_run04):
    """Runs written before the NumPy copy was kept still load."""
    run_dir = shutil.copytree(raw_run, tmp_path / "run")
    (run_dir / NUMPY_ENCODER_FILE).unlink()
    recording = read_recording(s001_run04)
    np.testing.assert_allclose(
        FeatureExtractor.load(run_dir).transform_recording(recording),
        FeatureExtractor.load(raw_run).transform_recording(recording),
        rtol=1e-4,
        atol=1e-5,
    )


@pytest.mark.slow
def test_stream_serves_features_and_commands_in_a_process_that_cannot_import_torch(power_run, s001_run04, tmp_path):
    decoder, _ = fit_decoder(FeatureExtractor.load(power_run), [s001_run04], ["T1", "T2"], 0.5)
    decoder.save(tmp_path / "decoder", {})
    name = f"constrae-test-torch-free-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen(
        [sys.executable, "-m", "constrae.cli", "replay", str(s001_run04), "--name", name, "--loop"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = subprocess.Popen(
        [
            *(sys.executable, "-c", WITHOUT_TORCH),
            *("stream", str(power_run), "--source", name, "--duration", "6", "--no-status"),
            *("--decoder", str(tmp_path / "decoder"), "--json", str(tmp_path / "summary.json")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = pylsl.resolve_byprop("name", f"{name}-commands", 1, 60)
        assert found, server.stderr.read() if server.poll() is not None else "no commands outlet"
        inlet = pylsl.StreamInlet(found[0])
        commands = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            chunk, _ = inlet.pull_chunk(timeout=0.2)
            commands += [sample[0] for sample in chunk]
        out, err = server.communicate(timeout=60)
    finally:
        player.terminate()
        player.communicate(timeout=30)
    assert server.returncode == 0, err
    assert commands and set(commands) <= {"T1", "T2"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["windows"] > 20 and summary["stopped"] == "duration"
