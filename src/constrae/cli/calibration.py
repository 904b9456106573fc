"""``constrae calibrate`` (a new user's decoder on a pretrained run) and ``bench calibrate``
(calibration curves against the per-user pipelines)."""

from pathlib import Path

import typer

from constrae.bench.tasks import DEFAULT_SUBJECT
from constrae.cli.errors import fail_cleanly
from constrae.cli.options import UNITS


def bench_calibrate(
    subject: list[Path] = typer.Option(
        [DEFAULT_SUBJECT],
        help="Folder of one subject's eegmmidb EDF files; each is held out in turn (repeat the option).",
    ),
    population: list[Path] = typer.Option(
        [], help="Folder of a subject used only for pretraining, never held out (repeat the option)."
    ),
    task: list[str] = typer.Option(["imagery_left_right"], help="Tasks to evaluate (repeat the option)."),
    trials_per_class: list[str] = typer.Option(
        ["2", "5", "10", "15", "all"], "--k", help="Calibration trials per class, or 'all' (repeat the option)."
    ),
    draws: int = typer.Option(10, min=1, help="Random draws of the calibration trials per k."),
    seed: int = typer.Option(0, min=0, help="Seed of the draws."),
    variant: list[str] = typer.Option(
        ["sparse ReLU + L1 (tangent)"], help="AE variants of `bench decode` to pretrain (repeat the option)."
    ),
    out: Path = typer.Option(Path("reports/calibrate"), help="Folder for calibrate.md, the JSON and the figures."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Accuracy of a new user's decoder against the number of their labelled trials: features
    pretrained on other people against CSP+LDA and tangent space + LR fitted on the same trials."""
    from constrae.bench.calibrate_report import mean_table_lines, write_calibration_report
    from constrae.bench.calibrate_run import run_calibration
    from constrae.bench.calibration_draws import parse_trials_per_class
    from constrae.bench.variants import DEFAULT_VARIANTS, select_variants
    from constrae.errors import ConfigError

    variants = select_variants(variant, DEFAULT_VARIANTS)
    if any(v.labelled or v.teacher is not None for v in variants):
        raise ConfigError("--variant: pretraining uses no labels and no teacher; choose unlabelled variants")
    ks = list(dict.fromkeys(parse_trials_per_class(k) for k in trials_per_class))
    run = run_calibration(subject, population, task, variants, ks, draws, seed, out, progress, log=typer.echo)
    header = (
        f"Each of {', '.join(p.name for p in subject)} held out in turn; population: the other subjects"
        + (f" and {', '.join(p.name for p in population)}" if population else "")
        + f". {draws} draws of the calibration trials per k (seed {seed}); each subject aligned on its windows "
        "that overlap no trial. Accuracy: mean over draws on the held-out subject's other trials, then over "
        "subjects. Latency: median time from a filtered 1 s window to a decision, one thread."
    )
    for name, rows in run.rows.items():
        typer.echo(f"\n{name}, mean over held-out subjects")
        for line in mean_table_lines(rows):
            typer.echo(line)
    for path in write_calibration_report(run.rows, out, header):
        typer.echo(f"wrote {path}")


def calibrate(
    run_dir: Path = typer.Argument(..., help="A population run (data.subjects), or any run trained on EEG recordings."),
    recordings: list[Path] = typer.Argument(..., help="The new user's recordings (EDF with T1/T2 annotations, ...)."),
    out: Path = typer.Option(..., "--out", help="New folder for the calibrated run and its decoder."),
    trials_per_class: str = typer.Option(
        "all", "--trials-per-class", help="Labelled trials per class the decoder learns from (the first ones), or all."
    ),
    label: list[str] = typer.Option(["T1", "T2"], help="The two event labels to decode (repeat the option)."),
    offset: float = typer.Option(1.0, help="Trial window start after each event's onset, in seconds."),
    units: str = UNITS,
) -> None:
    """Calibrate a pretrained run to a new user: their alignment from every window of their
    recordings (no labels), a linear decoder from their first labelled trials. OUT serves like
    any run: `constrae stream OUT --source NAME --decoder OUT`."""
    from constrae.bench.calibration_draws import parse_trials_per_class
    from constrae.inference.threads import one_thread
    from constrae.population.calibrate import calibrate_user

    per_class = parse_trials_per_class(trials_per_class)
    with one_thread():
        per_class_or_all = None if per_class == "all" else per_class
        result = calibrate_user(run_dir, recordings, label, per_class_or_all, offset, out, units)
    used = ", ".join(f"{count} of {name}" for name, count in result.trials_per_class.items())
    typer.echo(f"wrote {result.out}: decoder of {used} trials, accuracy on them {result.training_accuracy:.3f}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add ``calibrate`` and ``bench calibrate``."""
    app.command("calibrate")(fail_cleanly(calibrate))
    bench_app.command("calibrate")(fail_cleanly(bench_calibrate))
