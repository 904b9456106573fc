"""Does an EDF/BDF file hold the data records its header promises?

MNE reads a file cut short without complaint at the verbosity constrae uses, which
would train or encode part of a recording as if it were the whole. The header states
how many records there are and how many samples each signal has per record, so the
size the file must have follows from it (EDF: 2 bytes a sample, BDF: 3).
"""

from pathlib import Path
from typing import NamedTuple

from constrae.errors import DataError

FIXED_HEADER_BYTES = 256
SIGNAL_HEADER_BYTES = 256
"""Header bytes per signal: label 16, transducer 80, dimension 8, four ranges 8 each,
prefiltering 80, samples per record 8, reserved 32."""
SAMPLES_FIELD_OFFSET = 16 + 80 + 8 + 4 * 8 + 80
"""Where the signals' samples-per-record fields start, in units of signals, after the fixed header."""
EDF_SUFFIXES = (".edf", ".bdf")


class EdfLayout(NamedTuple):
    header_bytes: int
    records: int
    """Data records the header claims; -1 when it does not know."""
    record_bytes: int


def _number(field: bytes, name: str, path: Path) -> int:
    try:
        return int(field.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError) as error:
        raise DataError(f"{path}: not an EDF/BDF file: its header's {name} is {field!r}") from error


def read_layout(path: Path) -> EdfLayout:
    """Header size, record count and record size from the file's header; DataError if unreadable."""
    with path.open("rb") as handle:
        fixed = handle.read(FIXED_HEADER_BYTES)
        if len(fixed) < FIXED_HEADER_BYTES:
            raise DataError(f"{path}: not an EDF/BDF file: {len(fixed)} bytes, shorter than its fixed header")
        signals = _number(fixed[252:256], "number of signals", path)
        records = _number(fixed[236:244], "number of data records", path)
        if signals < 1 or records < -1:
            raise DataError(f"{path}: not an EDF/BDF file: {signals} signals and {records} data records in its header")
        signal_header = handle.read(SIGNAL_HEADER_BYTES * signals)
    if len(signal_header) < SIGNAL_HEADER_BYTES * signals:
        raise DataError(
            f"{path}: cut short inside its header ({signals} signals need {SIGNAL_HEADER_BYTES * signals} bytes)"
        )
    start = SAMPLES_FIELD_OFFSET * signals
    samples = [
        _number(signal_header[start + 8 * i : start + 8 * i + 8], f"samples per record of signal {i + 1}", path)
        for i in range(signals)
    ]
    sample_bytes = 3 if fixed[:1] == b"\xff" else 2
    return EdfLayout(FIXED_HEADER_BYTES * (signals + 1), records, sum(samples) * sample_bytes)


def check_complete(path: Path) -> None:
    """DataError when the file holds fewer data records than its header claims, or a partial one."""
    layout = read_layout(path)
    data_bytes = path.stat().st_size - layout.header_bytes
    whole, partial = divmod(max(data_bytes, 0), max(layout.record_bytes, 1))
    if layout.records >= 0 and whole < layout.records:
        raise DataError(
            f"{path}: the header promises {layout.records} data records of {layout.record_bytes} bytes, the file "
            f"holds {whole}{f' and {partial} bytes of another' if partial else ''} (cut short or a wrong header)"
        )
    if layout.records == -1 and partial:
        raise DataError(f"{path}: ends inside a data record ({partial} of {layout.record_bytes} bytes)")
