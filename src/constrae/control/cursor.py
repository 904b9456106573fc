"""A one-dimensional cursor between two targets, moved by a stream of class decisions.

The controller smooths the decisions, each a vote of -1 (first class) or +1 (second class), with
an exponential average of time constant ``smoothing_s`` (a vote weighs 1 - exp(-dt / smoothing_s),
dt the time since the previous one); the cursor moves only while the average agrees beyond
``threshold`` (a dwell: a lone decision moves nothing), at ``gain`` times that agreement in target
distances per second. When no decision has come for ``timeout_s`` it stops (velocity 0); the
average starts again from 0 when decisions come back, or at a reset.
"""

import dataclasses
import math
from typing import NamedTuple

from constrae.io.mappings import require


@dataclasses.dataclass
class CursorConfig:
    gain: float = 1.0
    """Speed at full agreement, in target distances per second (the targets are 1 away)."""
    smoothing_s: float = 0.5
    """Time constant of the average of the decisions."""
    threshold: float = 0.6
    """The average's magnitude below which the cursor does not move."""
    timeout_s: float = 1.0
    """No decision for this long: stop."""

    def __post_init__(self) -> None:
        for name in ("gain", "smoothing_s", "timeout_s"):
            require(getattr(self, name) > 0, f"control.{name}", f"must be > 0, got {getattr(self, name)}")
        require(0 <= self.threshold < 1, "control.threshold", f"must be in [0, 1), got {self.threshold}")


class CursorState(NamedTuple):
    time_s: float
    position: float
    """-1 is the first class's target, +1 the second's."""
    velocity: float
    stopped: bool
    """No decision for longer than the timeout."""
    cue: str | None = None
    """The class cued at the last reset (the target to reach), if a cue said."""


class Cursor:
    """Example:
    >>> cursor = Cursor(["T1", "T2"], CursorConfig())
    >>> cursor.decide("T2", t=0.0); cursor.step(t=0.1).position
    """

    def __init__(self, classes: list[str], config: CursorConfig) -> None:
        self.classes, self.config = classes, config
        self.position, self.average, self.time_s = 0.0, 0.0, 0.0
        self.last_decision_s: float | None = None
        self.averaged_s: float | None = None
        """When the average was last updated or reset."""
        self.cue: str | None = None

    def reset(self, t: float, cue: str | None = None) -> None:
        """Back to the middle, the average forgotten (a new trial, towards ``cue``'s target)."""
        self.position, self.average, self.time_s, self.averaged_s = 0.0, 0.0, t, t
        self.cue = cue

    def decide(self, label: str, t: float) -> None:
        if label not in self.classes:
            return
        vote = 1.0 if label == self.classes[1] else -1.0
        if self.averaged_s is None or t - self.averaged_s > self.config.timeout_s:
            self.average, self.averaged_s = 0.0, t
        # A decision stamped before the last update (it was waiting in a buffer) counts as now.
        keep = math.exp(-max(0.0, t - self.averaged_s) / self.config.smoothing_s)
        self.average = keep * self.average + (1 - keep) * vote
        self.averaged_s = self.last_decision_s = max(t, self.averaged_s)

    def velocity(self, t: float) -> float:
        if self.stopped(t) or abs(self.average) < self.config.threshold:
            return 0.0
        return self.config.gain * self.average

    def stopped(self, t: float) -> bool:
        return self.last_decision_s is None or t - self.last_decision_s > self.config.timeout_s

    def step(self, t: float) -> CursorState:
        """Move from the last step's time to ``t`` at the current velocity, within [-1, 1]."""
        velocity = self.velocity(t)
        self.position = max(-1.0, min(1.0, self.position + velocity * max(0.0, t - self.time_s)))
        self.time_s = t
        return CursorState(t, self.position, velocity, self.stopped(t), self.cue)
