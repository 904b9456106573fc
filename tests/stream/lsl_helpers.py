"""Real LSL outlets and inlets on loopback for the streaming tests: a replay in a thread,
a reader of published outlets."""

import threading

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
