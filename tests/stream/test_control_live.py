"""constrae control over a real LSL command stream on loopback: the cursor follows the commands
and stops (velocity 0, position held) when they stop."""

import threading
import time
import uuid

import pylsl
import pytest

from constrae.control.cursor import CursorConfig
from constrae.control.live import control
from constrae.stream.outlets import CommandOutlet, MarkerOutlet


class CommandsThenSilence(threading.Thread):
    """ "T2" every 1/16 s for ``seconds``, then an outlet that stays but says nothing."""

    def __init__(self, name: str, seconds: float, silent_s: float) -> None:
        super().__init__(daemon=True)
        self.name, self.seconds, self.silent_s = name, seconds, silent_s
        self.last_stamp = None

    def run(self) -> None:
        outlet = CommandOutlet(f"{self.name}-commands", f"{self.name}-commands")
        outlet.outlet.wait_for_consumers(20)
        start = pylsl.local_clock()
        while pylsl.local_clock() - start < self.seconds:
            self.last_stamp = pylsl.local_clock()
            outlet.push("T2", self.last_stamp)
            time.sleep(1 / 16)
        time.sleep(self.silent_s)


@pytest.mark.slow
def test_the_cursor_follows_commands_and_stops_when_they_stop():
    name = f"constrae-test-control-{uuid.uuid4().hex[:8]}"
    commands = CommandsThenSilence(name, seconds=1.5, silent_s=3.0)
    commands.start()
    statuses, seen = [], []
    summary = control(
        name, ["T1", "T2"], CursorConfig(timeout_s=0.5), duration_s=3.0, on_status=statuses.append, on_step=seen.append
    )
    commands.join()
    assert seen == summary.trajectory[:-1], "a live view sees every step but the closing one"
    assert summary.commands >= 20 and summary.stops == 1 and summary.ended == "duration"
    assert statuses == ["stopped: no commands for 0.5 s; velocity 0"]
    assert any(state.velocity > 0 for state in summary.trajectory)
    after = [s for s in summary.trajectory if s.time_s > commands.last_stamp + 0.5 + 0.02]
    assert after and all(s.velocity == 0.0 and s.stopped for s in after)
    assert len({round(s.position, 9) for s in after}) == 1 and after[0].position > 0


class CommandsAndMarkers(threading.Thread):
    """ "T2" every 1/16 s for 3 s on NAME-commands, and on NAME-markers a T2 cue at 0.5 s and a T0
    (rest) marker at 2 s."""

    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        self.name = name
        self.marker_stamps: dict[str, float] = {}

    def run(self) -> None:
        commands = CommandOutlet(f"{self.name}-commands", f"{self.name}-commands")
        markers = MarkerOutlet(f"{self.name}-markers", f"{self.name}-markers")
        commands.outlet.wait_for_consumers(20)
        markers.outlet.wait_for_consumers(20)
        start = pylsl.local_clock()
        due = {"T2": start + 0.5, "T0": start + 2.0}
        while pylsl.local_clock() - start < 3.0:
            now = pylsl.local_clock()
            for label, when in due.items():
                if label not in self.marker_stamps and now >= when:
                    markers.push(label, now)
                    self.marker_stamps[label] = now
            commands.push("T2", now)
            time.sleep(1 / 16)


@pytest.mark.slow
def test_a_cue_sets_the_target_and_a_rest_marker_ends_the_trial():
    name = f"constrae-test-markers-{uuid.uuid4().hex[:8]}"
    source = CommandsAndMarkers(name)
    source.start()
    summary = control(name, ["T1", "T2"], CursorConfig(), duration_s=3.5)
    source.join()
    cue_s, rest_s = source.marker_stamps["T2"], source.marker_stamps["T0"]
    assert summary.cues == 1
    trial = [s for s in summary.trajectory if cue_s + 0.1 < s.time_s < rest_s]
    rest = [s for s in summary.trajectory if s.time_s > rest_s + 0.1]
    assert trial and all(s.cue == "T2" for s in trial) and trial[-1].position > 0
    assert rest and all(s.cue is None for s in rest)
    first_rest = next(s for s in summary.trajectory if s.time_s > rest_s + 0.02)
    assert abs(first_rest.position) < 0.1, "the rest marker put the cursor back in the middle"
