"""Real LSL outlets and inlets on loopback for the streaming tests: a replay in a thread,
a reader of published outlets."""

import threading
import time

import numpy as np
import pylsl

from constrae.stream.replay import ReplayConfig, replay


class ReplayThread(threading.Thread):
    """``replay`` of a recording in a background thread, stoppable."""

    def __init__(self, recording, config: ReplayConfig) -> None:
        super().__init__(daemon=True)
        self.recording, self.config, self.halt = recording, config, threading.Event()
        self.summary = None

    def run(self) -> None:
        self.summary = replay(self.recording, self.config, stop=self.halt.is_set)


class OutletReader(threading.Thread):
    """Everything published on the stream named ``name``, with its time stamps."""

    def __init__(self, name: str, timeout_s: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.name, self.timeout_s, self.halt = name, timeout_s, threading.Event()
        self.samples, self.timestamps, self.connected = [], [], threading.Event()

    def run(self) -> None:
        found = pylsl.resolve_byprop("name", self.name, 1, self.timeout_s)
        if not found:
            return
        inlet = pylsl.StreamInlet(found[0], max_buflen=60)
        inlet.open_stream(self.timeout_s)
        self.connected.set()
        while not self.halt.is_set():
            samples, stamps = inlet.pull_chunk(timeout=0.1)
            self.samples += samples
            self.timestamps += stamps
        samples, stamps = inlet.pull_chunk(timeout=0.5)
        self.samples += samples
        self.timestamps += stamps


def wrong_outlet(name: str, labels: list[str] | None, n_channels: int, sfreq: float):
    """An outlet whose layout the test chooses (labels None: unlabelled)."""
    info = pylsl.StreamInfo(name, "EEG", n_channels, sfreq, pylsl.cf_float32, name)
    if labels is not None:
        info.set_channel_labels(labels)
    outlet = pylsl.StreamOutlet(info)
    outlet.push_chunk(np.zeros((4, n_channels), np.float32))
    return outlet


class ScriptedOutlet(threading.Thread):
    """A 160 Hz outlet of the given channels pushing 5-sample chunks of
    noise at their due times, except that it skips the samples in ``skip`` (a gap) and
    pushes the chunk starting at ``late_at`` ``late_s`` after it was due (then catches up)."""

    def __init__(self, name: str, labels: list[str], n_samples: int, skip: range, late_at: int, late_s: float) -> None:
        super().__init__(daemon=True)
        self.name, self.labels, self.n_samples = name, labels, n_samples
        self.skip, self.late_at, self.late_s = skip, late_at, late_s

    def run(self) -> None:
        info = pylsl.StreamInfo(self.name, "EEG", len(self.labels), 160.0, pylsl.cf_double64, self.name)
        info.set_channel_labels(self.labels)
        outlet = pylsl.StreamOutlet(info)
        outlet.wait_for_consumers(20.0)
        time.sleep(0.2)
        noise_TS = np.random.default_rng(0).normal(0, 1e-5, (self.n_samples, len(self.labels)))
        start = pylsl.local_clock()
        for begin in range(0, self.n_samples, 5):
            if begin in self.skip:
                continue
            due = start + (begin + 4) / 160.0 + (self.late_s if begin == self.late_at else 0.0)
            time.sleep(max(0.0, due - pylsl.local_clock()))
            outlet.push_chunk(noise_TS[begin : begin + 5], start + (begin + 4) / 160.0)
        time.sleep(0.5)
