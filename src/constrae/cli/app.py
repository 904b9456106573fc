"""The ``constrae`` command line: one Typer app, assembled from one module per command group."""

from importlib.metadata import version

import typer

from constrae.cli import bench, calibration, discrete, runs, stream, tune

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Sparse, constrained autoencoders as fast feature extractors for brain signals.",
)


def print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"constrae {version('constrae')}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: bool = typer.Option(
        False, "--version", callback=print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Sparse, constrained autoencoders as fast feature extractors for brain signals."""


bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks against the baselines a user would otherwise run.")
app.add_typer(bench_app, name="bench")

for group in (runs, discrete, bench, calibration, tune, stream):
    group.register(app, bench_app)


def main() -> None:
    app(prog_name="constrae")
