"""The streaming commands as a user runs them: processes, Ctrl-C, files written."""

import json
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pylsl
import pytest
from typer.testing import CliRunner

from constrae.cli import app
from constrae.data import read_recording
from constrae.data.trials import trials_of
from constrae.inference.extractor import FeatureExtractor
from constrae.stream.decoder import LinearDecoder

CLI = [sys.executable, "-m", "constrae.cli"]


def _ignoring_sigint() -> None:
    """What a non-interactive shell does to a background job: SIGINT ignored, inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_stream_cleanly_with_a_summary_and_the_plot(stop_signal, raw_run, s001_run04, tmp_path):
    name = f"constrae-test-cli-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen(
        [*CLI, "replay", str(s001_run04), "--name", name, "--loop"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignoring_sigint,
    )
    server = subprocess.Popen(
        [
            *CLI,
            "stream",
            str(raw_run),
            "--source",
            name,
            "--plot",
            str(tmp_path / "features.png"),
            "--json",
            str(tmp_path / "summary.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignoring_sigint,
    )
    try:
        # Serving once its features outlet is up (starting python + torch can take seconds here).
        assert pylsl.resolve_byprop("name", f"{name}-features", 1, 120), server.stderr.read()
        time.sleep(3)
        server.send_signal(stop_signal)
        out, err = server.communicate(timeout=30)
    finally:
        player.send_signal(signal.SIGINT)
        player.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "stopped: interrupted" in out and "summary:" in out
    assert "windows/s" in err and "latency p50" in err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["windows"] > 10 and summary["stopped"] == "interrupted"
    assert (tmp_path / "features.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert player.returncode == 0


@pytest.mark.parametrize("crops", [0.0, 0.5])
def test_fit_decoder_stores_a_decoder_that_decides_as_the_lda_fitted_on_the_crops(crops, raw_run, s001_run04, tmp_path):
    """With --crops 0.5 the LDA sees the windows 0, 0.125, ... 1 s after each cue (offset 0.5 s, +-0.5 s)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    out = tmp_path / "dec"
    result = CliRunner().invoke(
        app, ["fit-decoder", str(raw_run), str(s001_run04), "--out", str(out), "--crops", str(crops)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["decoder.json", "decoder.safetensors"]
    decoder = LinearDecoder.load(out)
    extractor = FeatureExtractor.load(raw_run)
    recordings = [read_recording(s001_run04)]
    trials = trials_of(recordings, ["T1", "T2"], 0.5, extractor.preprocessing.window)
    offsets = np.arange(-4, 5) * 20 if crops else np.zeros(1, int)
    starts_M = (trials.starts_N[:, None] + offsets[None]).reshape(-1)
    features_MH = extractor.transform_recording(recordings[0], starts_M)
    labels_M = np.repeat(trials.labels_N, len(offsets))
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(features_MH, labels_M)
    assert [decoder.decide(f) for f in features_MH] == list(lda.predict(features_MH))
    assert decoder.classes == ["T1", "T2"] and json.loads((out / "decoder.json").read_text())["crop_seconds"] == crops


def test_stream_with_a_folder_that_is_no_decoder_names_it(raw_run, tmp_path):
    result = CliRunner().invoke(app, ["stream", str(raw_run), "--source", "x", "--decoder", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path} is not a decoder folder: decoder.json is missing" in result.output


def test_stream_without_such_a_stream_is_a_clean_error_naming_it(raw_run):
    name = f"constrae-test-absent-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(app, ["stream", str(raw_run), "--source", name, "--resolve-timeout", "0.5"])
    assert result.exit_code == 2
    assert f"error: no LSL stream named '{name}' appeared within 0.5 s" in result.output


def test_fit_decoder_on_a_recording_without_such_events_names_it(raw_run, shared_data, tmp_path):
    baseline = shared_data / "eegmmidb" / "S001" / "S001R01.edf"
    result = CliRunner().invoke(app, ["fit-decoder", str(raw_run), str(baseline), "--out", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert f"{baseline}: no events labelled T1, T2" in result.output
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_bench_stream_reports_every_window_of_a_replay_in_another_process(raw_run, power_run, s001_run04, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "stream",
            "--run",
            str(raw_run),
            "--run",
            str(power_run),
            "--recording",
            str(s001_run04),
            "--seconds",
            "5",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| model | windows / expected |" in result.output
    report = json.loads((tmp_path / "stream.json").read_text())
    # 5 s at 160 Hz, windows every 10 samples: (800 - 80) / 10 + 1 of 0.5 s, (800 - 160) / 10 + 1 of 1 s.
    assert [entry["expected_windows"] for entry in report["results"]] == [73, 65]
    assert [entry["encoder_path"] for entry in report["results"]] == ["numpy", "numpy, running moments"]
    for entry in report["results"]:
        summary = entry["summary"]
        assert summary["windows"] + summary["dropped"] == entry["expected_windows"] and summary["gaps"] == 0
        assert entry["replay"]["samples"] == 800 and summary["samples"] == 800
        assert np.isfinite(summary["latency"]["p99_ms"]) and summary["latency"]["p50_ms"] > 0
    assert "windows / expected" in (tmp_path / "stream.md").read_text()


@pytest.mark.slow
def test_a_stream_lost_for_good_ends_with_an_error_line_and_exit_2_after_the_summary(raw_run, s001_run04, tmp_path):
    name = f"constrae-test-lost-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen(
        [*CLI, "replay", str(s001_run04), "--name", name, "--seconds", "4", "--wait-for-consumer", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server = subprocess.run(
            [
                *CLI,
                "stream",
                str(raw_run),
                "--source",
                name,
                "--resolve-timeout",
                "120",
                "--reconnect-timeout",
                "1",
                "--no-status",
                "--json",
                str(tmp_path / "summary.json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        player.communicate(timeout=60)
    assert server.returncode == 2, server.stderr
    assert f"error: LSL stream '{name}' was lost and did not come back within 1 s" in server.stderr
    assert "stopped: stream lost" in server.stdout
    assert json.loads((tmp_path / "summary.json").read_text())["windows"] > 10
