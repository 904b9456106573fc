"""Does a live stream carry what the model was trained on? Which of its channels to read."""

from typing import NamedTuple

import numpy as np

from constrae.data import Preprocessing
from constrae.data.units import conversion
from constrae.errors import StreamMismatchError


class StreamLayout(NamedTuple):
    """What a stream says about itself (its LSL stream info)."""

    name: str
    """Stream name, for messages."""
    sfreq: float
    """Nominal sampling rate in Hz (0 for an irregular stream)."""
    n_channels: int
    """Channels per sample."""
    labels: list[str] | None
    """Channel labels, or None when the stream gives none."""
    units: str | None = None
    """The unit every channel declares (``constrae.data.units`` spelling), or None when they do not."""


def stream_scale(preprocessing: Preprocessing, layout: StreamLayout, units: str | None) -> float:
    """The factor that turns the stream's samples into the model's units: from the units the
    stream declares, else ``units`` as the user says; 1 when either side is unknown.
    StreamMismatchError when the stream declares other units than the user says."""
    if layout.units is not None and units is not None and layout.units != units:
        raise StreamMismatchError(
            f"LSL stream {layout.name!r}: its channels are in {layout.units}, not {units} as given"
        )
    return conversion(layout.units or units, preprocessing.units)


def channel_index(preprocessing: Preprocessing, layout: StreamLayout) -> np.ndarray:
    """Columns of the stream's samples that are the model's channels, in the model's order.

    A stream with labels is read by name (it may carry more channels); one without
    must have exactly the model's channel count. A different rate, a missing channel
    or a different count raises StreamMismatchError before any sample is processed."""
    where = f"LSL stream {layout.name!r}"
    if not np.isclose(layout.sfreq, preprocessing.sfreq):
        raise StreamMismatchError(
            f"{where}: sampling rate {layout.sfreq} Hz, the model was trained at {preprocessing.sfreq} Hz"
        )
    wanted = preprocessing.channels
    if layout.labels is None:
        if layout.n_channels != len(wanted):
            raise StreamMismatchError(
                f"{where}: {layout.n_channels} unlabelled channels, the model reads {len(wanted)} "
                f"({', '.join(wanted[:4])} ...); label the stream's channels or send exactly those"
            )
        return np.arange(len(wanted))
    index = {label: i for i, label in enumerate(layout.labels)}
    missing = [name for name in wanted if name not in index]
    if missing:
        raise StreamMismatchError(
            f"{where}: {len(missing)} of the model's {len(wanted)} channels are missing: "
            f"{', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''} "
            f"(the stream has {', '.join(layout.labels[:8])}"
            f"{' ...' if len(layout.labels) > 8 else ''})"
        )
    return np.array([index[name] for name in wanted])
