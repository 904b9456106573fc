"""The ``constrae`` command line."""

import io
import json
import sys
from pathlib import Path

import numpy as np
import torch
import typer

from constrae.io import checkpoint
from constrae.core.config import load_config
from constrae.inference.cpu_features import cpu_flags, int8_kernel
from constrae.data import read_recording
from constrae.cli.errors import fail_cleanly
from constrae.inference.extractor import FeatureExtractor
from constrae.io.atomic import atomic_write_bytes, check_output_file
from constrae.data.loading import check_matrix, read_npy
from constrae.inference.select import make_encoder
from constrae.core.model import InferenceEncoder
from constrae.io.run import resume_run, start_run, write_figures
from constrae.cli.discrete import bench_discrete_command, discretize_command
from constrae.cli.stream import register as register_stream_commands
from constrae.cli.tune import tune_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


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
        for path in write_figures(run_dir):
            typer.echo(f"wrote {path}")


@app.command()
@fail_cleanly
def train(
    config: Path = typer.Argument(..., help="YAML run configuration."),
    out: Path = typer.Option(..., "--out", help="New run folder to write."),
    plots: bool = typer.Option(True, help="Write figures when done."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Train an autoencoder from CONFIG into the run folder OUT."""
    report(start_run(load_config(config), out, progress=progress), out, plots)


@app.command()
@fail_cleanly
def resume(
    run_dir: Path = typer.Argument(..., help="Run folder of an interrupted run."),
    plots: bool = typer.Option(True, help="Write figures when done."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Continue an interrupted run from its last completed epoch."""
    report(resume_run(run_dir, progress=progress), run_dir, plots)


@app.command()
@fail_cleanly
def encode(
    run_dir: Path = typer.Argument(..., help="Run folder of a trained model."),
    input: Path = typer.Argument(..., help="(samples, features) .npy array, or a recording (EDF, .npz, ...) for an EEG run."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the codes (.npy)."),
    sfreq: float | None = typer.Option(None, help="Sampling rate of a .npy/.csv recording (channels x samples)."),
) -> None:
    """Write the codes of every row of INPUT, or of every window of a recording."""
    check_output_file(output, inputs=(input, *checkpoint.run_files(run_dir)))
    preprocessing = checkpoint.load_preprocessing(run_dir)
    if preprocessing is not None and (input.suffix.lower() != ".npy" or sfreq is not None):
        recording = read_recording(input, sfreq=sfreq)
        codes = FeatureExtractor.load(run_dir).transform_recording(recording)
        what = f"windows of {preprocessing.config.window_seconds} s every {preprocessing.config.hop_seconds} s"
    else:
        model, config = checkpoint.load_model(run_dir)
        X = check_matrix(read_npy(input), str(input), n_features=config.model.input_size)
        codes = make_encoder(model).encode(X)
        what = "rows"
    buffer = io.BytesIO()
    np.save(buffer, codes)
    atomic_write_bytes(output, buffer.getvalue())
    typer.echo(f"wrote {output}: {codes.shape[0]} x {codes.shape[1]} codes ({what})")


@app.command()
@fail_cleanly
def info(run_dir: Path = typer.Argument(..., help="Run folder.")) -> None:
    """Describe a run: model, constraints, training progress, last metrics."""
    model, config = checkpoint.load_model(run_dir)
    m = config.model
    typer.echo(
        f"model: {m.input_size} -> {m.hidden_size} {m.activation}{m.activation_params or ''}, "
        f"{'tied' if m.tied else 'untied'}, decoder output {m.decoder_output}, "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    typer.echo(f"int8 path on this CPU: {int8_kernel(cpu_flags())}")
    typer.echo(f"loss: {config.loss}")
    for spec in config.constraints:
        typer.echo(f"constraint: {json.dumps(spec)}")
    t = config.train
    history = checkpoint.read_metrics(run_dir)
    typer.echo(f"training: {t.optimizer} lr {t.lr}, {len(history)} of {t.epochs} epochs, seed {t.seed}")
    if history:
        last = history[-1]
        typer.echo("last epoch: " + "  ".join(f"{k} {v:.5g}" for k, v in last.items() if k != "epoch"))


@app.command()
@fail_cleanly
def plot(run_dir: Path = typer.Argument(..., help="Run folder.")) -> None:
    """(Re)draw the run's figures: weight grid, rho_hat histogram, loss curves."""
    for path in write_figures(run_dir):
        typer.echo(f"wrote {path}")


@app.command()
@fail_cleanly
def export(
    run_dir: Path = typer.Argument(..., help="Run folder of a trained model."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the ONNX encoder."),
    int8: bool = typer.Option(False, "--int8", help="Also write an int8-quantised copy, OUTPUT with suffix .int8.onnx."),
) -> None:
    """Export the encoder (x -> codes) to ONNX, checked against PyTorch with ONNX Runtime.

    Nothing is written unless ONNX Runtime gives torch's codes on a probe batch."""
    from constrae.inference.verified_export import export_verified

    run_files = checkpoint.run_files(run_dir)
    for path in (output, output.with_suffix(".int8.onnx")) if int8 else (output,):
        check_output_file(path, inputs=run_files)
    model, config = checkpoint.load_model(run_dir)
    probe_BN = torch.rand(8, config.model.input_size, generator=torch.Generator().manual_seed(0)).numpy()
    for exported in export_verified(model, output, int8, probe_BN):
        typer.echo(f"wrote {exported.path}: {config.model.input_size} -> {config.model.hidden_size}, "
                   f"tolerance {exported.tolerance:g}, max |onnx - torch| {exported.error:.2e}")



app.command(name="discretize")(fail_cleanly(discretize_command))

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks against the baselines a user would otherwise run.")
app.add_typer(bench_app, name="bench")

DEFAULT_SUBJECT = Path("../shared/data/eegmmidb/S001")


@bench_app.command("decode")
@fail_cleanly
def bench_decode(
    subject: Path = typer.Option(DEFAULT_SUBJECT, help="Folder of one subject's eegmmidb EDF files."),
    task: list[str] = typer.Option(
        ["imagery_fists_feet", "imagery_left_right", "executed_fists_feet", "executed_left_right"],
        help="Tasks to evaluate (repeat the option).",
    ),
    folds: int = typer.Option(10, help="ShuffleSplit folds (MNE's protocol: 10)."),
    out: Path = typer.Option(Path("reports/decode"), help="Folder for decode.md, decode.json and decode.png."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Decoding accuracy of AE features against CSP+LDA and tangent space + LR."""
    from constrae.bench.decode import DEFAULT_VARIANTS, evaluate
    from constrae.bench.report import table_lines, write_decode_report
    from constrae.bench.tasks import load_task

    tasks = [load_task(name, subject) for name in task]
    rows = evaluate(tasks, DEFAULT_VARIANTS, folds, progress=progress)
    header = (
        f"Subject {subject.name}, {folds} ShuffleSplit folds (test 20 %, random_state 42), trials 1-2 s after the cue. "
        "AE features: autoencoders trained without labels on each fold's training windows only. "
        "Latency: median time from a filtered 1 s window to a decision, one call at a time, one thread."
    )
    for name in task:
        typer.echo(f"\n{name}")
        for line in table_lines(rows, name):
            typer.echo(line)
    for path in write_decode_report(rows, out, header):
        typer.echo(f"wrote {path}")


bench_app.command("discrete")(fail_cleanly(bench_discrete_command))


@bench_app.command("latency")
@fail_cleanly
def bench_latency(
    dense: Path = typer.Option(None, help="Run folder of a trained dense encoder (default: seeded init, 10240 -> 256)."),
    spatiotemporal: Path = typer.Option(None, help="Run folder of a trained spatiotemporal encoder (default: seeded init)."),
    calls: int = typer.Option(2000, min=1, help="Back-to-back calls per path."),
    cadence_calls: int = typer.Option(200, min=1, help="Calls per path in each cadence mode."),
    baseline_calls: int = typer.Option(200, min=1, help="Calls per baseline in every mode."),
    rate_hz: float = typer.Option(16.0, min=0.1, help="Cadence: windows per second."),
    budget_s: float = typer.Option(15.0, min=0.1, help="Stop a (path, mode) after this many seconds."),
    subject: Path = typer.Option(DEFAULT_SUBJECT, help="Folder of S001's eegmmidb EDF files (runs 6, 10, 14 are used)."),
    json_path: Path = typer.Option(None, "--json", help="Write the results here as JSON."),
) -> None:
    """Time one 1 s x 64 ch window through every inference path and baseline, on one thread."""
    from constrae.bench.latency import run_latency
    from constrae.bench.latency_report import format_table, write_json

    run = run_latency(dense, spatiotemporal, calls, cadence_calls, baseline_calls, 1 / rate_hz, budget_s, subject,
                      log=typer.echo)
    typer.echo(format_table(run))
    if json_path is not None:
        typer.echo(f"wrote {write_json(run, json_path)}")


@app.command(name="train-stack")
@fail_cleanly
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



app.add_typer(tune_app, name="tune")
register_stream_commands(app, bench_app)


def main() -> None:
    app(prog_name="constrae")


if __name__ == "__main__":
    sys.exit(main())
