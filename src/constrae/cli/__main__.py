"""``python -m constrae.cli``: the same as the ``constrae`` command."""

from constrae.cli.app import main

main()
