"""Ctrl-C and ``kill`` stop serving and replaying cleanly, however the process was started.

A process started in the background by a non-interactive shell inherits SIGINT as ignored,
and Python then never raises KeyboardInterrupt; a service manager stops with SIGTERM. Both
are turned into KeyboardInterrupt while the loop runs, which the loops catch to end with
their summary.
"""

import contextlib
import signal
from collections.abc import Iterator


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt; the old handlers come back after."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
