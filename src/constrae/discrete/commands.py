"""Typer commands of phase 2; ``constrae.cli`` registers them."""

from pathlib import Path

import typer

from constrae.bench.tasks import TASKS

DEFAULT_SUBJECT = Path("../shared/data/eegmmidb/S001")


def discretize_command(
    run_dir: Path = typer.Argument(..., help="Phase-1 run folder (any trained model)."),
    out: Path = typer.Option(..., "--out", help="New run folder for the binary model."),
    config: Path = typer.Option(None, "--config", help="Phase-2 YAML (surrogate, anneal_epochs, ...); defaults otherwise."),
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
