"""The simulated effector's trajectory: position against time, its targets, the trials (shaded by
the cued target), when it stopped."""

import numpy as np
from matplotlib.figure import Figure

from constrae.control.cursor import CursorState


def trajectory_figure(trajectory: list[CursorState], classes: list[str]) -> Figure:
    times = np.array([state.time_s for state in trajectory])
    times = times - times[0]
    figure = Figure(figsize=(10, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(times, [state.position for state in trajectory], color="black", linewidth=1, label="cursor")
    stopped = np.array([state.stopped for state in trajectory])
    axes.fill_between(times, -1.1, 1.1, where=stopped, color="grey", alpha=0.2, label="stopped (no commands)")
    cues = np.array([state.cue for state in trajectory], dtype=object)
    for target, name, color in ((-1, classes[0], "tab:blue"), (1, classes[1], "tab:orange")):
        axes.axhline(target, color=color, linestyle="--", label=f"target {name}")
        cued = cues == name
        if cued.any():
            axes.fill_between(times, -1.1, 1.1, where=cued, color=color, alpha=0.12, label=f"cue {name}")
    axes.set_ylim(-1.15, 1.15)
    axes.set_xlabel("seconds")
    axes.set_ylabel("position")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return figure
