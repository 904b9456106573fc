"""constrae control over a real LSL command stream on loopback: the cursor follows the commands
and stops (velocity 0, position held) when they stop."""

import threading
import time
import uuid

import pylsl
import pytest

from constrae.control.cursor import CursorConfig
from constrae.control.live import control
from constrae.stream.outlets import CommandOutlet


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
