"""Commands on run folders: train, resume, encode, info, plot, export, train-stack.

Modules that import torch are imported inside the commands that need them: the ``constrae``
app imports this module for every command, ``stream`` included, which serves without torch.
"""

import io
import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import typer

from constrae.cli.errors import fail_cleanly
from constrae.cli.options import UNITS
from constrae.data import read_recording
from constrae.data.trials import window_event_labels
from constrae.data.windows import sliding_starts
from constrae.inference.cpu_features import cpu_flags, int8_kernel
from constrae.inference.extractor import FeatureExtractor
from constrae.io import run_folder
from constrae.io.atomic import atomic_write_bytes, check_output_file


def report(summary: dict, run_dir: Path, plots: bool) -> None:
    """Print a finished run's metrics and, if asked, draw its figures."""
    rho_hat = np.array(summary["rho_hat"])
    typer.echo(
        f"samples {summary['samples']}  epochs {summary['epochs']}\n"
        f"MSE {summary['mse']:.5f}  FVU {summary['fvu']:.4f}\n"
        f"rho_hat mean {rho_hat.mean():.4f}  min {rho_hat.min():.4f}  max {rho_hat.max():.4f}\n"
        f"L0 (active codes per sample) {summary['l0']:.2f} of {len(rho_hat)}  "
        f"dead units {summary['dead_fraction']:.1%}"
    )
    if plots:
        from constrae.io.run import write_figures

        for path in write_figures(run_dir):
            typer.echo(f"wrote {path}")


def train(
    config: Path = typer.Argument(..., help="YAML run configuration."),
    out: Path = typer.Option(..., "--out", help="New run folder to write."),
    plots: bool = typer.Option(True, help="Write figures when done."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Train an autoencoder from CONFIG into the run folder OUT."""
    from constrae.core.config import load_config
    from constrae.io.run import start_run

    report(start_run(load_config(config), out, progress=progress), out, plots)


def resume(
    run_dir: Path = typer.Argument(..., help="Run folder of an interrupted run."),
    plots: bool = typer.Option(True, help="Write figures when done."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Continue an interrupted run from its last completed epoch."""
    from constrae.io.run import resume_run

    report(resume_run(run_dir, progress=progress), run_dir, plots)


def encode(
    run_dir: Path = typer.Argument(..., help="Run folder of a trained model."),
    input: Path = typer.Argument(
        ..., help="(samples, features) .npy array, or a recording (EDF, .npz, ...) for an EEG run."
    ),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="Where to write the codes: .npy, or .npz with, for a recording, each window's start_seconds and "
        "event_labels (the event holding the whole window, or an empty string).",
    ),
    sfreq: float | None = typer.Option(None, help="Sampling rate of a .npy/.csv recording (channels x samples)."),
    units: str | None = UNITS,
) -> None:
    """Write the codes of every row of INPUT, or of every window of a recording."""
    check_output_file(output, inputs=(input, *run_folder.run_files(run_dir)))
    preprocessing = run_folder.load_preprocessing(run_dir)
    if preprocessing is not None and (input.suffix.lower() != ".npy" or sfreq is not None):
        recording = read_recording(input, sfreq=sfreq, units=units)
        starts_N = sliding_starts(recording.n_samples, preprocessing.window, preprocessing.hop)
        codes = FeatureExtractor.load(run_dir).transform_recording(recording, starts_N)
        arrays = {
            "codes": codes,
            "start_seconds": starts_N / recording.sfreq,
            "event_labels": window_event_labels(recording, starts_N, preprocessing.window),
        }
        what = f"windows of {preprocessing.config.window_seconds} s every {preprocessing.config.hop_seconds} s"
    else:
        from constrae.data.loading import check_matrix, read_npy
        from constrae.inference.select import make_encoder
        from constrae.io.checkpoint import load_model

        model, config = load_model(run_dir)
        X = check_matrix(read_npy(input), str(input), n_features=config.model.input_size)
        codes = make_encoder(model).encode(X)
        arrays, what = {"codes": codes}, "rows"
    buffer = io.BytesIO()
    if output.suffix.lower() == ".npz":
        np.savez(buffer, **cast(dict[str, Any], arrays))
    else:
        np.save(buffer, codes)
    atomic_write_bytes(output, buffer.getvalue())
    typer.echo(f"wrote {output}: {codes.shape[0]} x {codes.shape[1]} codes ({what})")


def data_lines(run_dir: Path) -> list[str]:
    """What a run reads: its preprocessing, or a population run's people."""
    population = run_folder.load_population(run_dir)
    if population is not None:
        return [
            f"population: {len(population)} people, each aligned on their own windows (population.json); "
            f"calibrate a user before encoding: constrae calibrate {run_dir} RECORDINGS... --out DIR",
            preprocessing_line(population[0]).replace("preprocessing:", "each person:", 1),
        ]
    preprocessing = run_folder.load_preprocessing(run_dir)
    return [] if preprocessing is None else [preprocessing_line(preprocessing)]


def preprocessing_line(preprocessing) -> str:
    c = preprocessing.config
    band = f"{c.l_freq if c.l_freq is not None else 0}-{c.h_freq if c.h_freq is not None else 'Nyquist'} Hz"
    return (
        f"preprocessing: {len(preprocessing.channels)} channels at {preprocessing.sfreq:g} Hz, causal band-pass {band} "
        f"(order {c.filter_order}{f', notch {c.notch} Hz' if c.notch else ''}), {c.window_seconds} s windows "
        f"every {c.hop_seconds} s, {c.representation}{f', classes {c.classes}' if c.classes else ''}"
    )


def info(run_dir: Path = typer.Argument(..., help="Run folder.")) -> None:
    """Describe a run: model, constraints, training progress, last metrics."""
    from constrae.io.checkpoint import load_model

    model, config = load_model(run_dir)
    m = config.model
    typer.echo(
        f"model: {m.input_size} -> {m.hidden_size} {m.activation}{m.activation_params or ''}, "
        f"{'tied' if m.tied else 'untied'}, decoder output {m.decoder_output}, "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    typer.echo(f"encoder: {m.encoder} {json.dumps(m.encoder_params)}")
    for line in data_lines(run_dir):
        typer.echo(line)
    typer.echo(f"int8 path on this CPU: {int8_kernel(cpu_flags())}")
    typer.echo(f"loss: {config.loss}")
    for spec in config.constraints:
        typer.echo(f"constraint: {json.dumps(spec)}")
    t = config.train
    history = run_folder.read_metrics(run_dir)
    typer.echo(f"training: {t.optimizer} lr {t.lr}, {len(history)} of {t.epochs} epochs, seed {t.seed}")
    if history:
        last = history[-1]
        typer.echo("last epoch: " + "  ".join(f"{k} {v:.5g}" for k, v in last.items() if k != "epoch"))


def plot(run_dir: Path = typer.Argument(..., help="Run folder.")) -> None:
    """(Re)draw the run's figures: weight grid, rho_hat histogram, loss curves."""
    from constrae.io.run import write_figures

    for path in write_figures(run_dir):
        typer.echo(f"wrote {path}")


def export(
    run_dir: Path = typer.Argument(..., help="Run folder of a trained model."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the ONNX encoder."),
    int8: bool = typer.Option(
        False, "--int8", help="Also write an int8-quantised copy, OUTPUT with suffix .int8.onnx."
    ),
) -> None:
    """Export the encoder (x -> codes) to ONNX, checked against PyTorch with ONNX Runtime.

    Nothing is written unless ONNX Runtime gives torch's codes on a probe batch."""
    import torch

    from constrae.inference.verified_export import export_verified
    from constrae.io.checkpoint import load_model

    run_files = run_folder.run_files(run_dir)
    for path in (output, output.with_suffix(".int8.onnx")) if int8 else (output,):
        check_output_file(path, inputs=run_files)
    model, config = load_model(run_dir)
    probe_BN = torch.rand(8, model.input_size, generator=torch.Generator().manual_seed(0)).numpy()
    for exported in export_verified(model, output, int8, probe_BN, onnx_metadata(run_dir, config)):
        typer.echo(
            f"wrote {exported.path}: {config.model.input_size} -> {config.model.hidden_size}, "
            f"tolerance {exported.tolerance:g}, max |onnx - torch| {exported.error:.2e}"
        )


def onnx_metadata(run_dir: Path, config) -> dict[str, str]:
    """What an ONNX file needs to be used without its run folder: the model's config and, for an
    EEG run, its channels, rate, units and whole preprocessing (JSON), under ``constrae.*`` keys."""
    from importlib.metadata import version

    metadata = {"constrae.version": version("constrae"), "constrae.model": json.dumps(config.to_mapping()["model"])}
    preprocessing = run_folder.load_preprocessing(run_dir)
    if preprocessing is not None:
        metadata |= {
            "constrae.channels": json.dumps(preprocessing.channels),
            "constrae.sfreq": str(preprocessing.sfreq),
            "constrae.units": preprocessing.units or "",
            "constrae.preprocessing": json.dumps(preprocessing.to_mapping()),
        }
    return metadata


def train_stack(
    config: Path = typer.Argument(..., help="YAML stack configuration (layers, softmax, finetune, data, test)."),
    out: Path = typer.Option(..., "--out", help="New folder for the trained stack."),
    progress: bool = typer.Option(False, help="Show progress bars."),
) -> None:
    """Pre-train a stack of autoencoders layer by layer, train a softmax on the top codes,
    fine-tune it all; print accuracy before and after fine-tuning."""
    from constrae.stacked.config import load_stack_config
    from constrae.stacked.run import train_stack_run

    summary = train_stack_run(load_stack_config(config), out, progress=progress)
    typer.echo(summary["table"])
    typer.echo(f"wrote {out}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add the run-folder commands to the ``constrae`` app."""
    for command in (train, resume, encode, info, plot, export):
        app.command()(fail_cleanly(command))
    app.command(name="train-stack")(fail_cleanly(train_stack))
