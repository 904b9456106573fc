"""How every ``constrae`` command reports the library's own errors."""

import functools

import typer

from constrae.errors import ConstraeError


def fail_cleanly(command):
    """Report constrae's own errors as one line on stderr with exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConstraeError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None

    return wrapper
