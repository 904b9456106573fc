"""``constrae bench latency``: per-window encode latency of every inference path and baseline.

Shapes: ``b`` windows (1 per call), ``c`` channels (64), ``t`` samples (160), ``n`` = c t
(10240), ``h`` hidden units. Every path gets one standardised S001 window per call,
cycling through real windows, on one thread (torch, ONNX Runtime and BLAS), in the
modes of ``constrae.bench.timing``. Models come from run folders or, without them,
are the default shapes below with a seeded initialisation: latency does not depend
on the weight values, except through topk/locality support sizes.
"""

import dataclasses
import datetime
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from constrae.bench.eeg_windows import EegWindows, load_imagery_windows
from constrae.bench.tasks import DEFAULT_SUBJECT
from constrae.bench.timing import MODES, Timing, time_calls
from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig
from constrae.core.model import Autoencoder
from constrae.errors import DataError
from constrae.inference.cpu_features import cpu_flags, int8_kernel
from constrae.inference.threads import one_thread
from constrae.io.checkpoint import load_model

CHANNELS, SAMPLES = 64, 160
DEFAULT_MODELS = {
    "dense": ModelConfig(input_size=CHANNELS * SAMPLES, hidden_size=256, activation="sigmoid"),
    "spatiotemporal": ModelConfig(
        input_size=CHANNELS * SAMPLES,
        hidden_size=128,
        activation="sigmoid",
        encoder="spatiotemporal",
        encoder_params={"channels": CHANNELS, "virtual_channels": 8, "filters": 4, "kernel": 25, "stride": 5},
    ),
    "power": ModelConfig(
        input_size=CHANNELS * SAMPLES,
        hidden_size=128,
        activation="relu",
        encoder="power",
        encoder_params={"channels": CHANNELS, "virtual_channels": 16},
    ),
}
"""The shapes timed when no run folder is given: the issue's dense 10240 -> 256 and an
EEG-shaped encoder a user would train (8 virtual channels, 4 filters of 25 taps, stride 5), and the
power encoder (16 virtual channels, log-powers and correlations)."""


class PathResult(NamedTuple):
    """One timed path: an inference runtime of one of our encoders, or a baseline."""

    name: str
    """``encoder/runtime`` for ours (e.g. spatiotemporal/numpy), ``baseline/name`` otherwise."""
    ours: bool
    """True for constrae's paths, False for the baselines."""
    timings: dict[str, Timing]
    """Per mode (``constrae.bench.timing.MODES``)."""


class ModelInfo(NamedTuple):
    """Which model an encoder's paths ran."""

    source: str
    """The run folder, or "seeded init (seed 0)" for the default shape."""
    config: dict
    """Its model configuration."""


class LatencyRun(NamedTuple):
    """Everything one benchmark run measured."""

    paths: list[PathResult]
    models: dict[str, ModelInfo]
    settings: dict
    """Calls per mode, period, time budget, threads, input description."""


def model_for(name: str, run_dir: str | Path | None) -> tuple[Autoencoder, ModelInfo]:
    if run_dir is None:
        model, _ = build(RunConfig(model=DEFAULT_MODELS[name]))
        source = "seeded init (seed 0)"
    else:
        model, config = load_model(run_dir)
        source = str(run_dir)
    if model.config.input_size != CHANNELS * SAMPLES:
        raise DataError(
            f"{source}: the {name} model takes {model.config.input_size} features, "
            f"the benchmark's windows have {CHANNELS} x {SAMPLES} = {CHANNELS * SAMPLES}"
        )
    return model.eval(), ModelInfo(source, dataclasses.asdict(model.config))


def torch_encoder(model: Autoencoder) -> Callable[[np.ndarray], np.ndarray]:
    def encode(x_BN: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model.encode(torch.from_numpy(x_BN)).numpy()

    return encode


def encoder_paths(name: str, model: Autoencoder, scratch: Path) -> dict[str, Callable[[np.ndarray], object]]:
    """Every runtime of one model: torch eager, ONNX Runtime fp32 and int8, NumPy."""
    from constrae.inference.int8 import quantize_int8
    from constrae.inference.numpy_from_torch import numpy_encoder
    from constrae.inference.onnx_backend import OnnxEncoder, export_onnx

    onnx_path = export_onnx(model, scratch / f"{name}.onnx")
    int8_path = quantize_int8(onnx_path, scratch / f"{name}_int8.onnx")
    paths: dict[str, Callable[[np.ndarray], object]] = {
        "torch": torch_encoder(model),
        "onnx": OnnxEncoder(onnx_path, intra_op_num_threads=1),
        "onnx_int8": OnnxEncoder(int8_path, intra_op_num_threads=1),
        "numpy": numpy_encoder(model),
    }
    if name == "spatiotemporal":
        paths["numpy_folded"] = numpy_encoder(model, fold="temporal")
    paths["numpy+linear_decision"] = linear_decision(numpy_encoder(model), model.config.hidden_size)
    return paths


def linear_decision(encode: Callable[[np.ndarray], np.ndarray], hidden_size: int) -> Callable[[np.ndarray], bool]:
    """A decision as a deployed decoder makes it: the codes, then sign(w . z + b) of a linear classifier
    (seeded weights: the cost does not depend on their values)."""
    weights_H = np.random.default_rng(0).normal(size=hidden_size).astype(np.float32)

    def decide(x_BN: np.ndarray) -> bool:
        return bool(encode(x_BN)[0] @ weights_H > 0.0)

    return decide


def run_latency(
    dense: str | Path | None = None,
    spatiotemporal: str | Path | None = None,
    power: str | Path | None = None,
    calls: int = 2000,
    cadence_calls: int = 200,
    baseline_calls: int = 200,
    period_s: float = 0.0625,
    budget_s: float = 15.0,
    subject_dir: str | Path = DEFAULT_SUBJECT,
    log: Callable[[str], None] = lambda line: None,
) -> LatencyRun:
    """Time every path in every mode on one thread; ``log`` hears about each as it finishes.

    ``calls`` back-to-back and ``cadence_calls`` at the cadence for our paths,
    ``baseline_calls`` in every mode for the baselines; each (path, mode) also stops
    after ``budget_s`` seconds.
    """
    from constrae.bench.latency_baselines import all_baselines

    started, load_before = time.time(), os.getloadavg()[0]
    eeg: EegWindows = load_imagery_windows(subject_dir)
    windows_BN = [window_CT.reshape(1, -1) for window_CT in eeg.windows_BCT]
    models = {
        name: model_for(name, run_dir)
        for name, run_dir in (("dense", dense), ("spatiotemporal", spatiotemporal), ("power", power))
    }
    with one_thread(), tempfile.TemporaryDirectory() as scratch:
        timed: list[tuple[str, bool, Callable, list]] = []
        for name, (model, _) in models.items():
            for runtime, call in encoder_paths(name, model, Path(scratch)).items():
                timed.append((f"{name}/{runtime}", True, call, windows_BN))
        dictionary_HN = models["dense"][0].W_dec_NH.detach().numpy().T
        for name, (baseline, inputs) in all_baselines(dictionary_HN, eeg).items():
            timed.append((f"baseline/{name}", False, baseline, inputs))
        paths = []
        for name, ours, call, inputs in timed:
            timings = {}
            for mode in MODES:
                n = (calls if mode == "back_to_back" else cadence_calls) if ours else baseline_calls
                timings[mode] = time_calls(call, inputs, mode, n, period_s, budget_s)
            paths.append(PathResult(name, ours, timings))
            log(
                f"{name}: "
                + "  ".join(f"{mode} p50 {t.p50_us:.0f} us p99 {t.p99_us:.0f} us" for mode, t in timings.items())
            )
    counts = {"calls": calls, "cadence_calls": cadence_calls, "baseline_calls": baseline_calls}
    settings = run_settings(counts, period_s, budget_s, started, load_before, eeg.sfreq, len(windows_BN), subject_dir)
    return LatencyRun(paths, {name: info for name, (_, info) in models.items()}, settings)


def run_settings(
    counts: dict[str, int],
    period_s: float,
    budget_s: float,
    started: float,
    load_before: float,
    sfreq: float,
    distinct_windows: int,
    subject_dir: str | Path,
) -> dict:
    """What a latency run was: call counts, cadence, machine load and int8 kernel, the windows."""
    return {
        **counts,
        "period_ms": period_s * 1e3,
        "budget_s": budget_s,
        "threads": 1,
        "started_utc": datetime.datetime.fromtimestamp(started, datetime.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(time.time() - started, 1),
        "load_average_1min": {"start": load_before, "end": os.getloadavg()[0], "cores": os.cpu_count()},
        "int8_kernel": int8_kernel(cpu_flags()),
        "window": {
            "channels": CHANNELS,
            "samples": SAMPLES,
            "features": CHANNELS * SAMPLES,
            "sfreq_hz": sfreq,
            "distinct_windows": distinct_windows,
            "source": f"{Path(subject_dir).name} runs 6, 10, 14, causal 7-30 Hz, standardised per channel",
        },
    }
