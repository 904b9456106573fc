"""The effector's view: the live scene follows the cursor and redraws at most 20 times a second of
the session; a finished session becomes a GIF lasting as long as the session, written whole."""

import numpy as np
from matplotlib.figure import Figure
from PIL import Image, ImageSequence

from constrae.control.cursor import Cursor, CursorConfig, CursorState
from constrae.plots.cursor_view import LIT, MOVING, REDRAW_S, STOPPED, UNLIT, CursorView, write_animation

CLASSES = ["T1", "T2"]


def _session(seconds: float = 2.0, step_s: float = 0.01) -> list[CursorState]:
    """A cue for T2 at 0, a T2 command every 1/16 s for the first second, then silence."""
    cursor = Cursor(CLASSES, CursorConfig(timeout_s=0.5))
    cursor.reset(0.0, "T2")
    states, commands = [], iter(np.arange(0, 1, 1 / 16))
    next_command = next(commands)
    for t in np.arange(0, seconds + step_s / 2, step_s):
        while next_command is not None and next_command <= t:
            cursor.decide("T2", next_command)
            next_command = next(commands, None)
        states.append(cursor.step(t))
    return states


def test_the_view_shows_each_state_and_redraws_at_most_every_redraw_interval():
    view = CursorView(Figure(), CLASSES)
    states = _session()
    redraws = [state.time_s for state in states if view.show(state)]
    assert np.all(np.diff(redraws) >= REDRAW_S - 1e-9)
    assert len(redraws) >= int(2.0 / (REDRAW_S + 0.01))
    last = states[-1]
    assert view.marker.get_xdata()[0] == last.position > 0
    assert last.stopped and view.marker.get_color() == STOPPED
    assert view.targets["T2"].get_alpha() == LIT and view.targets["T1"].get_alpha() == UNLIT
    moving = next(state for state in states if state.velocity > 0)
    view.show(moving)
    assert view.marker.get_color() == MOVING and "velocity +" in view.status.get_text()


def test_a_session_becomes_a_gif_of_its_length_in_tenths_of_a_second(tmp_path):
    states = _session()
    path = write_animation(states, CLASSES, tmp_path / "cursor.gif", fps=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cursor.gif"]
    with Image.open(path) as gif:
        frames = [(np.asarray(frame.convert("L")), frame.info["duration"]) for frame in ImageSequence.Iterator(gif)]
    # 21 frames of 100 ms (0 to 2 s); the GIF writer merges identical neighbours into longer frames.
    assert sum(duration for _, duration in frames) == 2100 and len(frames) > 10
    frames = [image for image, _ in frames]
    assert not np.array_equal(frames[0], frames[-1]), "the cursor moved between the first frame and the last"


def test_the_trajectory_figure_shades_the_trials_by_their_cued_target():
    from constrae.plots.control import trajectory_figure

    states = _session()
    half = len(states) // 2
    states = states[:half] + [state._replace(cue=None) for state in states[half:]]
    (axes,) = trajectory_figure(states, CLASSES).axes
    labels = {collection.get_label() for collection in axes.collections}
    assert "cue T2" in labels and "cue T1" not in labels
    (shade,) = [c for c in axes.collections if c.get_label() == "cue T2"]
    xs = shade.get_paths()[0].vertices[:, 0]
    assert xs.min() == 0 and xs.max() <= states[half].time_s
