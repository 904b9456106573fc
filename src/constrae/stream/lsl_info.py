"""LSL stream descriptions: writing channel labels into one, reading them back."""

from constrae.stream._imports import pylsl
from constrae.stream.matching import StreamLayout


def make_info(
    name: str, kind: str, labels: list[str], sfreq: float, channel_format: str, source_id: str, unit: str = ""
):
    """A pylsl.StreamInfo with one labelled channel per label (``channel_format``: float32, double64, int8, string)."""
    lsl = pylsl()
    info = lsl.StreamInfo(name, kind, len(labels), sfreq, getattr(lsl, f"cf_{channel_format}"), source_id)
    info.set_channel_labels(labels)
    if unit:
        info.set_channel_units([unit] * len(labels))
    return info


def layout_of(info) -> StreamLayout:
    """The name, rate, width and labels of a full stream info (from ``StreamInlet.info()``)."""
    labels = info.get_channel_labels()
    if labels is None or any(label is None for label in labels):
        labels = None
    return StreamLayout(info.name(), info.nominal_srate(), info.channel_count(), labels)
