"""What the serving loop publishes: a features outlet and, with a decoder, a commands outlet."""

import numpy as np

from constrae.stream._imports import pylsl
from constrae.stream.lsl_info import make_info


class FeatureOutlet:
    """Codes, one sample per window, stamped with the window's last source sample: float32,
    or int8 0/1 for a binary-code model (``bits``), a quarter of the bytes on the wire."""

    def __init__(self, name: str, hidden_size: int, hop_seconds: float, source_id: str, bits: bool = False) -> None:
        labels = [f"code{i}" for i in range(hidden_size)]
        info = make_info(name, "Features", labels, 1 / hop_seconds, "int8" if bits else "float32", source_id)
        self.dtype = np.int8 if bits else np.float32
        self.outlet = pylsl().StreamOutlet(info)

    def push(self, features_H: np.ndarray, timestamp: float) -> None:
        # push_chunk takes the array as it is; push_sample would copy it value by value.
        self.outlet.push_chunk(features_H[None].astype(self.dtype, copy=False), timestamp)


class MarkerOutlet:
    """A string marker stream (irregular rate, one channel named ``label``)."""

    def __init__(self, name: str, source_id: str, label: str = "marker") -> None:
        info = make_info(name, "Markers", [label], pylsl().IRREGULAR_RATE, "string", source_id)
        self.outlet = pylsl().StreamOutlet(info)

    def push(self, marker: str, timestamp: float) -> None:
        self.outlet.push_sample([marker], timestamp)


class CommandOutlet(MarkerOutlet):
    """String markers, one per window: the decoder's class label."""

    def __init__(self, name: str, source_id: str) -> None:
        super().__init__(name, source_id, "command")
