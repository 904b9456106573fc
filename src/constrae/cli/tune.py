"""``constrae tune``: run campaign workers, check a space, report and export a study."""

from pathlib import Path

import typer
from typer.core import TyperGroup

from constrae.cli.errors import fail_cleanly

DEFAULT_STORAGE = "tune.journal"


class RunByDefault(TyperGroup):
    """``constrae tune SPACE.yaml ...`` means ``constrae tune run SPACE.yaml ...``."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


tune_app = typer.Typer(
    cls=RunByDefault,
    no_args_is_help=True,
    help="Hyper-parameter and constraint search with Optuna (SPACE.yaml alone runs a worker).",
)

STUDY = typer.Option(..., "--study", help="Study name; every worker of a campaign uses the same one.")
STORAGE = typer.Option(
    DEFAULT_STORAGE,
    "--storage",
    help="Journal file (one host, no server) or database URL such as postgresql://user@host/db.",
)


@tune_app.command("run")
@fail_cleanly
def run(
    space: Path = typer.Argument(..., help="Search space YAML."),
    study: str = STUDY,
    storage: str = STORAGE,
    trials: int = typer.Option(
        ..., "--trials", help="Finished trials the whole study should hold (all workers together)."
    ),
) -> None:
    """Run a worker: trials until the study holds N finished ones; start the same command on every machine."""
    from constrae.tune.space import load_space
    from constrae.tune.worker import run_worker

    summary = run_worker(load_space(space), study, storage, trials, log=typer.echo)
    typer.echo(f"study {study}: {summary.finished} of {trials} trials finished; this worker ran {summary.ran}")


@tune_app.command("check")
@fail_cleanly
def check(space: Path = typer.Argument(..., help="Search space YAML.")) -> None:
    """Validate a search space (names, ranges, conditions) without running a trial."""
    from constrae.tune.space import load_space

    loaded = load_space(space)
    typer.echo(
        f"{space}: {len(loaded.params)} parameters, {len(loaded.constraints)} constraints, "
        f"objectives {', '.join(f'{n} ({d})' for n, d in zip(loaded.objectives, loaded.directions))}"
    )


@tune_app.command("report")
@fail_cleanly
def report(
    study: str = STUDY,
    storage: str = STORAGE,
    out: Path = typer.Option(Path("reports/tune"), "--out", help="Folder for report.html and its PNG figures."),
) -> None:
    """Print the Pareto front (or best trial); write history, importances and front figures with an HTML page."""
    from constrae.tune.report import write_report
    from constrae.tune.results import front_table, load_study

    loaded, space = load_study(study, storage)
    for line in front_table(loaded, space):
        typer.echo(line)
    for path in write_report(loaded, space, out):
        typer.echo(f"wrote {path}")


@tune_app.command("export")
@fail_cleanly
def export(
    study: str = STUDY,
    storage: str = STORAGE,
    trial: int = typer.Option(None, "--trial", help="Trial number (default: the front's best on the first objective)."),
    output: Path = typer.Option(..., "-o", "--output", help="Training config YAML to write."),
) -> None:
    """Write a trial as a training config that `constrae train` reproduces."""
    from constrae.tune.results import chosen_trial, export_trial, load_study

    loaded, space = load_study(study, storage)
    chosen = chosen_trial(loaded, space, trial)
    typer.echo(f"wrote {export_trial(space, chosen, output)}: trial {chosen.number}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add the ``tune`` group to the app."""
    app.add_typer(tune_app, name="tune")
