"""LSL stream descriptions: writing channel labels into one, reading them back."""

from constrae.data.units import canonical_unit
from constrae.errors import DataError, StreamMismatchError
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
    """The name, rate, width, labels and units of a full stream info (from ``StreamInlet.info()``);
    StreamMismatchError for channels in mixed or unknown units."""
    labels = info.get_channel_labels()
    if labels is None or any(label is None for label in labels):
        labels = None
    declared = {unit for unit in info.get_channel_units() or [] if unit}
    if len(declared) > 1:
        raise StreamMismatchError(f"LSL stream {info.name()!r}: channels in mixed units {sorted(declared)}")
    try:
        units = canonical_unit(declared.pop(), f"LSL stream {info.name()!r}") if declared else None
    except DataError as error:
        raise StreamMismatchError(str(error)) from error
    return StreamLayout(info.name(), info.nominal_srate(), info.channel_count(), labels, units)
