"""``constrae discretize`` and ``bench discrete``: phase 2, binary codes."""

from pathlib import Path

import typer

from constrae.bench.tasks import DEFAULT_SUBJECT, TASKS
from constrae.cli.errors import fail_cleanly


def discretize_command(
    run_dir: Path = typer.Argument(..., help="Phase-1 run folder (any trained model)."),
    out: Path = typer.Option(..., "--out", help="New run folder for the binary model."),
    config: Path = typer.Option(
        None, "--config", help="Phase-2 YAML (surrogate, anneal_epochs, ...); defaults otherwise."
    ),
) -> None:
    """Phase 2: binary units with the phase-1 weights, discretisation training, fine-tuning."""
    from constrae.discrete.run import discretize_run, load_phase2_config

    summary = discretize_run(run_dir, out, load_phase2_config(config))
    typer.echo(
        f"samples {summary['samples']}  epochs {summary['epochs']}\n"
        f"MSE {summary['mse']:.5f}  FVU {summary['fvu']:.4f}\n"
        f"L0 (units on per sample) {summary['l0']:.2f} of {len(summary['rho_hat'])}  "
        f"dead units {summary['dead_fraction']:.1%}\n"
        f"wrote {out}"
    )


def bench_discrete_command(
    subject: Path = typer.Option(DEFAULT_SUBJECT, help="Folder of one subject's eegmmidb EDF files."),
    task: str = typer.Option("imagery_fists_feet", help=f"Task: {', '.join(TASKS)}."),
    folds: int = typer.Option(10, min=1, help="ShuffleSplit folds (test 20 %, random_state 42)."),
    out: Path = typer.Option(Path("reports/discrete"), help="Folder for discrete.md and discrete.json."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Continuous against binary codes of the same model on S001, and phase 2 with logic rules or a visibility graph."""
    import json

    from constrae.bench.discrete import (
        CONSTRAINED_PHASE2,
        GRAPH,
        PHASE1,
        PHASE2,
        RULES,
        constraint_table,
        discrete_table,
        evaluate_discrete,
    )
    from constrae.bench.tasks import load_task
    from constrae.io.atomic import atomic_write_text

    rows, constraint_rows = evaluate_discrete(load_task(task, subject), folds, progress=progress)
    header = (
        f"Subject {subject.name}, {task}, {folds} ShuffleSplit folds (test 20 %, random_state 42), trials 1-2 s after "
        f"the cue. Phase 1: {PHASE1.name}, {PHASE1.model['hidden_size']} units, trained without labels on each fold's "
        f"training windows; phase 2 on the same windows: {PHASE2.anneal_epochs} discretisation epochs, "
        f"{PHASE2.finetune_epochs} fine-tuning epochs. Encode latency: median, one model input, one thread."
    )
    c = CONSTRAINED_PHASE2
    constrained = (
        f"Phase 2 with constraints: {c.anneal_epochs} + {c.finetune_epochs} epochs, batch {c.batch_size}, lr {c.lr}, "
        f"encoder weights frozen, biases and learned thresholds trained in both stages, "
        f"{c.val_fraction:.0%} of the training windows held out for validation. "
        f"Rules (lam {RULES['lam']}): {RULES['rules']} over groups {RULES['groups']}. Graph: {GRAPH}."
    )
    lines = [header, "", *discrete_table(rows), "", constrained, "", *constraint_table(constraint_rows)]
    typer.echo("\n".join(lines))
    written = [
        atomic_write_text(out / "discrete.md", "# Binary codes\n\n" + "\n".join(lines) + "\n"),
        atomic_write_text(
            out / "discrete.json",
            json.dumps(
                {"codes": [r._asdict() for r in rows], "constraints": [r._asdict() for r in constraint_rows]}, indent=2
            ),
        ),
    ]
    for path in written:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add ``discretize`` to the app and ``discrete`` to its bench group."""
    app.command(name="discretize")(fail_cleanly(discretize_command))
    bench_app.command("discrete")(fail_cleanly(bench_discrete_command))
