"""The ``constrae`` command line (Typer): ``app`` and the console entry point ``main``."""

from constrae.cli.app import app, main

__all__ = ["app", "main"]
