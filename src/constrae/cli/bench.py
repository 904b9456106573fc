"""``constrae bench decode`` and ``bench latency``: decoding accuracy and per-window latency
against the baselines a user would otherwise run."""

from pathlib import Path

import typer

from constrae.bench.tasks import DEFAULT_SUBJECT
from constrae.cli.errors import fail_cleanly
from constrae.data.crops import CROP_REACH_SECONDS


def bench_decode(
    subject: list[Path] = typer.Option(
        [DEFAULT_SUBJECT],
        help="Folder of one subject's eegmmidb EDF files (repeat the option for several subjects).",
    ),
    task: list[str] = typer.Option(
        ["imagery_fists_feet", "imagery_left_right", "executed_fists_feet", "executed_left_right"],
        help="Tasks to evaluate (repeat the option); a subject whose folder lacks a task's runs skips it.",
    ),
    folds: int = typer.Option(10, min=1, help="ShuffleSplit folds (MNE's protocol: 10)."),
    variant: list[str] = typer.Option(
        [], help="AE variants to run, by name (repeat the option; default: all; a student brings its teacher)."
    ),
    out: Path = typer.Option(Path("reports/decode"), help="Folder for decode.md, decode.json and decode.png."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    recording: list[Path] = typer.Option(
        [], help="Instead of --subject/--task: one person's recordings, any format MNE reads (repeat the option)."
    ),
    label: list[str] = typer.Option(["T1", "T2"], help="With --recording: the two event labels to decode."),
    trial_start: float = typer.Option(1.0, help="With --recording: a trial starts this long after its event."),
    trial_seconds: float = typer.Option(1.0, help="With --recording: length of a trial."),
    crops: float = typer.Option(
        CROP_REACH_SECONDS,
        min=0,
        help="AE classifiers fitted on the windows within +-CROPS s of each training trial's (0: its own).",
    ),
) -> None:
    """Decoding accuracy of AE features against CSP+LDA and tangent space + LR, per subject and over
    subjects: on eegmmidb subject folders and tasks, or on any recordings with --recording."""
    from constrae.bench.report import subject_table_lines, summary_table_lines, write_decode_report
    from constrae.bench.subjects import evaluate_subjects
    from constrae.bench.summary import summarise
    from constrae.bench.variants import DEFAULT_VARIANTS, select_variants

    variants = select_variants(variant, DEFAULT_VARIANTS)
    if recording:
        from constrae.bench.decode import evaluate
        from constrae.bench.subjects import SubjectsRun
        from constrae.bench.tasks import load_recordings_task

        loaded = load_recordings_task(recording, label, trial_start, trial_seconds)
        run = SubjectsRun(evaluate([loaded], variants, folds, progress=progress, crop_seconds=crops), [])
    else:
        run = evaluate_subjects(subject, task, variants, folds, progress=progress, log=typer.echo, crop_seconds=crops)
    subjects = list(dict.fromkeys(r.subject for r in run.rows))
    header = decode_header(subjects, folds, trial_start, trial_seconds, crops)
    summary = summarise(run.rows)
    for name in dict.fromkeys(r.task for r in run.rows):
        typer.echo(f"\n{name}, per subject")
        for line in subject_table_lines(run.rows, name):
            typer.echo(line)
        typer.echo(f"\n{name}, over subjects")
        for line in summary_table_lines(summary, name):
            typer.echo(line)
    for path in write_decode_report(run.rows, out, header, run.skipped):
        typer.echo(f"wrote {path}")


def decode_header(subjects: list[str], folds: int, trial_start: float, trial_seconds: float, crops: float) -> str:
    """The protocol, as the report's first paragraph says it."""
    return (
        f"Subjects {', '.join(subjects)}; each on its own, {folds} ShuffleSplit folds (test 20 %, random_state 42), "
        f"trials {trial_start:g}-{trial_start + trial_seconds:g} s after the cue. AE features: autoencoders "
        "trained on each fold's training windows only, without labels except labelled variants (classes of "
        "the training trials' crops); their classifiers fitted on the crops: the windows every 0.125 s within "
        f"+-{crops:g} s of each training trial's window (cropped training), tested on the test trials' windows. "
        f"Latency: median time from a filtered {trial_seconds:g} s window to a decision, one call at a time, one "
        "thread (AE rows: the fastest inference backend and the classifier as a dot product)."
    )


def bench_latency(
    dense: Path = typer.Option(
        None, help="Run folder of a trained dense encoder (default: seeded init, 10240 -> 256)."
    ),
    spatiotemporal: Path = typer.Option(
        None, help="Run folder of a trained spatiotemporal encoder (default: seeded init)."
    ),
    power: Path = typer.Option(None, help="Run folder of a trained power encoder (default: seeded init)."),
    calls: int = typer.Option(2000, min=1, help="Back-to-back calls per path."),
    cadence_calls: int = typer.Option(200, min=1, help="Calls per path in each cadence mode."),
    baseline_calls: int = typer.Option(200, min=1, help="Calls per baseline in every mode."),
    rate_hz: float = typer.Option(16.0, min=0.1, help="Cadence: windows per second."),
    budget_s: float = typer.Option(15.0, min=0.1, help="Stop a (path, mode) after this many seconds."),
    subject: Path = typer.Option(
        DEFAULT_SUBJECT, help="Folder of S001's eegmmidb EDF files (runs 6, 10, 14 are used)."
    ),
    json_path: Path = typer.Option(None, "--json", help="Write the results here as JSON."),
) -> None:
    """Time one 1 s x 64 ch window through every inference path and baseline, on one thread."""
    from constrae.bench.latency import run_latency
    from constrae.bench.latency_report import format_table, write_json

    run = run_latency(
        dense,
        spatiotemporal,
        power,
        calls,
        cadence_calls,
        baseline_calls,
        1 / rate_hz,
        budget_s,
        subject,
        log=typer.echo,
    )
    typer.echo(format_table(run))
    if json_path is not None:
        typer.echo(f"wrote {write_json(run, json_path)}")


def bench_moabb(
    subject: list[Path] = typer.Option(
        [DEFAULT_SUBJECT], help="Folder of one subject's eegmmidb EDF files (repeat the option)."
    ),
    task: str = typer.Option("imagery_left_right", help="imagery_left_right or imagery_fists_feet."),
    out: Path = typer.Option(Path("reports/moabb"), help="Folder for moabb_TASK.md and moabb_TASK.csv."),
    pretrained: Path = typer.Option(
        None, help="Also a pretrained run (a population run that never saw these subjects) + LDA."
    ),
) -> None:
    """MOABB's within-session evaluation (5 folds, ROC-AUC) on local files: its CSP+LDA and tangent
    space + LR against constrae's EEGAutoencoder + LDA, nothing downloaded."""
    import tempfile

    from constrae.bench.moabb_local import evaluate_with_moabb, moabb_pipelines, moabb_table_lines
    from constrae.io.atomic import atomic_write_text

    with tempfile.TemporaryDirectory(prefix="constrae-moabb-") as scratch:
        results = evaluate_with_moabb(subject, task, Path(scratch), moabb_pipelines(pretrained=pretrained))
    lines = moabb_table_lines(results, task)
    for line in lines:
        typer.echo(line)
    typer.echo(f"wrote {atomic_write_text(out / f'moabb_{task}.md', chr(10).join(lines) + chr(10))}")
    typer.echo(f"wrote {atomic_write_text(out / f'moabb_{task}.csv', results.to_csv(index=False))}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add ``decode``, ``latency`` and ``moabb`` to the bench group."""
    bench_app.command("moabb")(fail_cleanly(bench_moabb))
    bench_app.command("decode")(fail_cleanly(bench_decode))
    bench_app.command("latency")(fail_cleanly(bench_latency))
