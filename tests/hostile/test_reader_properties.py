"""Any file a user hands a reader (.npy, .npz, CSV, EDF) either reads or raises DataError:
never another exception, never a changed file."""

import hashlib
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from constrae.data import read_recording
from constrae.data.edf_header import read_layout
from constrae.data.loading import check_matrix, read_npy
from constrae.errors import DataError

EDF_RECORDS = 3
SUFFIXES = (".npy", ".npz", ".csv", ".edf")


@pytest.fixture(scope="module")
def small_edf(shared_data) -> bytes:
    """The first three one-second records of S001R04 as a whole EDF+ file (header count edited)."""
    source = shared_data / "eegmmidb" / "S001" / "S001R04.edf"
    layout = read_layout(source)
    data = bytearray(source.read_bytes()[: layout.header_bytes + EDF_RECORDS * layout.record_bytes])
    data[236:244] = f"{EDF_RECORDS:<8d}".encode()
    return bytes(data)


def read_either_way(name: str, content: bytes, sfreq: float | None = 160.0):
    """Write ``content`` to a file called ``name`` and read it as a recording and, for .npy, as a
    matrix: each result, or None after a DataError; the file must be unchanged."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        results = []
        readers = [lambda: read_recording(path, sfreq=sfreq)]
        if path.suffix == ".npy":
            readers.append(lambda: check_matrix(read_npy(path), str(path)))
        for read in readers:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # numpy and MNE warn about odd files; the result is what counts
                    results.append(read())
            except DataError:
                results.append(None)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} was changed by reading it"
        assert sorted(p.name for p in Path(folder).iterdir()) == [name], "reading wrote a file"
        return results


@given(st.sampled_from(SUFFIXES), st.binary(max_size=600))
def test_any_bytes_read_or_are_a_data_error(suffix, content):
    read_either_way(f"x{suffix}", content)


dtypes = (
    hnp.integer_dtypes()
    | hnp.unsigned_integer_dtypes()
    | hnp.floating_dtypes()
    | hnp.complex_number_dtypes()
    | hnp.boolean_dtypes()
    | hnp.unicode_string_dtypes(max_len=3)
    | hnp.datetime64_dtypes()
)
arrays = hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@given(arrays)
def test_any_npy_array_reads_or_is_a_data_error(array):
    recording, matrix = read_either_way("x.npy", npy_bytes(array))
    if matrix is not None:
        assert matrix.dtype == np.float32 and matrix.ndim == 2 and np.isfinite(matrix).all()
    if recording is not None:
        assert np.isfinite(recording.signals_CT).all()


@given(
    st.dictionaries(
        st.sampled_from(["signals", "sfreq", "channels", "event_onsets", "event_durations", "event_labels", "other"]),
        arrays,
        max_size=7,
    )
)
def test_any_npz_members_read_or_are_a_data_error(members):
    buffer = io.BytesIO()
    np.savez(buffer, **members)
    (recording,) = read_either_way("x.npz", buffer.getvalue(), sfreq=None)
    if recording is not None:
        assert recording.sfreq > 0 and len(recording.channels) == len(recording.signals_CT)


@given(st.lists(st.text(alphabet="0123456789.,-e+nainf \tabcxyz\n", max_size=30), max_size=6))
def test_any_csv_reads_or_is_a_data_error(lines):
    read_either_way("x.csv", "\n".join(lines).encode())


@given(st.data())
def test_a_damaged_edf_reads_or_is_a_data_error(small_edf, data):
    damaged = bytearray(small_edf)
    how = data.draw(st.sampled_from(["cut", "header_field", "flip"]))
    if how == "cut":
        damaged = damaged[: data.draw(st.integers(0, len(damaged)))]
    elif how == "header_field":
        start = data.draw(st.sampled_from([8, 88, 168, 176, 184, 236, 244, 252, 256]))
        damaged[start : start + 8] = data.draw(st.binary(min_size=8, max_size=8))
    else:
        for index in data.draw(st.lists(st.integers(0, len(damaged) - 1), min_size=1, max_size=5)):
            damaged[index] ^= 0xFF
    (recording,) = read_either_way("x.edf", bytes(damaged))
    if recording is not None:
        assert recording.n_samples <= EDF_RECORDS * 160
