"""Options several commands share, declared once."""

import typer

UNITS = typer.Option(
    None, help="Units of the samples when the file does not say (V, mV, uV, nV); converted to the model's."
)
"""``--units`` of the commands that read recordings."""
