"""``constrae control``: the cursor driven live by a command stream (``NAME-commands``), reset
at each marker of the marker stream (``NAME-markers``) when there is one (towards the cued target,
or none at a rest marker: a trial runs from its cue to the next marker), stepped every STEP_S on
the LSL clock. When commands stop for longer than the timeout the cursor stops and the loop
says so; it goes on when they come back.
"""

import time
from collections.abc import Callable
from typing import NamedTuple

from constrae.control.cursor import Cursor, CursorConfig, CursorState
from constrae.errors import StreamNotFoundError
from constrae.stream._imports import pylsl

STEP_S = 0.01


class ControlSummary(NamedTuple):
    commands: int
    cues: int
    seconds: float
    stops: int
    """Times the commands stopped for longer than the timeout."""
    ended: str
    """duration, stopped, interrupted (Ctrl-C) or commands lost."""
    trajectory: list[CursorState]


def _inlet(name: str, timeout_s: float):
    lsl = pylsl()
    found = lsl.resolve_byprop("name", name, 1, timeout_s)
    if not found:
        return None
    inlet = lsl.StreamInlet(found[0], max_buflen=60, processing_flags=lsl.proc_clocksync)
    inlet.open_stream(timeout_s)
    return inlet


def control(
    source: str,
    classes: list[str],
    config: CursorConfig,
    duration_s: float | None = None,
    stop: Callable[[], bool] = lambda: False,
    on_status: Callable[[str], None] = lambda line: None,
    resolve_timeout_s: float = 10.0,
    on_step: Callable[[CursorState], object] | None = None,
) -> ControlSummary:
    """Drive the cursor from ``SOURCE-commands`` (and ``SOURCE-markers`` if it exists); ``on_step``
    sees every state (a live view)."""
    lsl = pylsl()
    commands = _inlet(f"{source}-commands", resolve_timeout_s)
    if commands is None:
        raise StreamNotFoundError(f"no LSL stream named {source + '-commands'!r} appeared within {resolve_timeout_s} s")
    cursor, trajectory = Cursor(classes, config), []
    start = lsl.local_clock()
    cursor.reset(start)
    markers = _inlet(f"{source}-markers", 1.0)
    n_commands = n_cues = stops = 0
    was_stopped, ended = False, "stopped"
    try:
        while not stop():
            now = lsl.local_clock()
            if duration_s is not None and now - start >= duration_s:
                ended = "duration"
                break
            try:
                labels, stamps = commands.pull_chunk(timeout=0.0)
            except lsl.util.LostError:
                ended = "commands lost"
                break
            for (label,), stamp in zip(labels, stamps):
                cursor.decide(label, stamp)
                n_commands += 1
            if markers is not None:
                cues, cue_stamps = markers.pull_chunk(timeout=0.0)
                for (cue,), stamp in zip(cues, cue_stamps):
                    cursor.reset(stamp, cue if cue in classes else None)
                    n_cues += cue in classes
            state = cursor.step(now)
            trajectory.append(state)
            if on_step is not None:
                on_step(state)
            if state.stopped and not was_stopped and n_commands:
                stops += 1
                on_status(f"stopped: no commands for {config.timeout_s} s; velocity 0")
            was_stopped = state.stopped
            time.sleep(STEP_S)
    except KeyboardInterrupt:
        ended = "interrupted"
    final = cursor.step(lsl.local_clock())
    trajectory.append(final._replace(velocity=0.0))
    return ControlSummary(n_commands, n_cues, trajectory[-1].time_s - start, stops, ended, trajectory)
