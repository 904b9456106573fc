"""The simulated effector as people watch it: the cursor between its two targets, the cued one
lit, grey while it is stopped. Live in a window where there is a screen (``open_view``), and as
a GIF of a finished session (``write_animation``) where there is none.
"""

import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from constrae.control.cursor import CursorState

REDRAW_S = 0.05
"""Least time between two redraws of the live view (20 frames/s): drawing is slower than a control step."""
MOVING, STOPPED = "black", "grey"
LIT, UNLIT = 0.9, 0.2
"""Opacity of the cued target and of the other."""


class CursorView:
    """The cursor scene on ``figure``, updated by ``show(state)``.

    Example:
        >>> view = open_view(["T1", "T2"])
        >>> view.show(cursor.step(t))  # redraws at most every REDRAW_S
    """

    def __init__(self, figure: Figure, classes: list[str]) -> None:
        self.figure, self.classes = figure, classes
        axes = figure.add_subplot()
        axes.set_xlim(-1.3, 1.3)
        axes.set_ylim(-1, 1)
        axes.set_yticks([])
        axes.set_xticks([-1, 0, 1], [f"target {classes[0]}", "start", f"target {classes[1]}"])
        self.targets = {
            name: axes.axvspan(x - 0.08, x + 0.08, color=color, alpha=UNLIT)
            for name, x, color in ((classes[0], -1.0, "tab:blue"), (classes[1], 1.0, "tab:orange"))
        }
        (self.marker,) = axes.plot([0.0], [0.0], "o", markersize=18, color=MOVING)
        self.status = axes.set_title(" ")
        self.drawn_at_s = -np.inf
        """Time (of the state shown) of the last redraw."""

    def update(self, state: CursorState) -> None:
        """Move the artists to ``state`` without drawing."""
        self.marker.set_xdata([state.position])
        self.marker.set_color(STOPPED if state.stopped else MOVING)
        for name, patch in self.targets.items():
            patch.set_alpha(LIT if name == state.cue else UNLIT)
        cue = f"cue {state.cue}" if state.cue else "no cue"
        stopped = "stopped: no commands" if state.stopped else f"velocity {state.velocity:+.2f}"
        self.status.set_text(f"{cue}   position {state.position:+.2f}   {stopped}")

    def show(self, state: CursorState) -> bool:
        """Update, and redraw if REDRAW_S has passed since the last redraw; True when it redrew."""
        self.update(state)
        if state.time_s - self.drawn_at_s < REDRAW_S:
            return False
        self.figure.canvas.draw_idle()
        self.figure.canvas.flush_events()
        self.drawn_at_s = state.time_s
        return True


def screen_backend() -> str | None:
    """The interactive matplotlib backend a window would open with, or None (no screen: Agg)."""
    from matplotlib import pyplot
    from matplotlib.backends import BackendFilter, backend_registry

    backend = pyplot.get_backend().lower()
    return backend if backend in backend_registry.list_builtin(BackendFilter.INTERACTIVE) else None


def open_view(classes: list[str]) -> CursorView:
    """A window showing the cursor live (call only where ``screen_backend()`` names one)."""
    from matplotlib import pyplot

    figure = pyplot.figure("constrae control", figsize=(8, 2.5), layout="constrained")
    view = CursorView(figure, classes)
    pyplot.show(block=False)
    return view


def write_animation(trajectory: list[CursorState], classes: list[str], path: str | Path, fps: int = 10) -> Path:
    """The session as a GIF at ``fps`` frames per second of its time; the file appears whole or not at all."""
    path = Path(path)
    times_S = np.array([state.time_s for state in trajectory])
    frame_times_F = np.arange(times_S[0], times_S[-1] + 1e-9, 1 / fps)
    # The state shown in each frame: the last one at or before the frame's time.
    shown_F = np.searchsorted(times_S, frame_times_F, side="right") - 1
    view = CursorView(Figure(figsize=(6, 2), dpi=80, layout="constrained"), classes)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".gif")
    os.close(handle)
    try:
        writer = PillowWriter(fps=fps)
        with writer.saving(view.figure, temp, dpi=80):
            for index in shown_F:
                view.update(trajectory[index])
                writer.grab_frame()
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return path
