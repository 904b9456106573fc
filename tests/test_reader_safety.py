"""Readers refuse what they would otherwise read wrong, by file name: a cut EDF, complex or
object arrays, empty files; channel names are standardised the same way for every format."""

import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from constrae.cli import app
from constrae.data import EEGConfig, Preprocessing, read_recording
from constrae.data.edf_header import read_layout
from constrae.data.loading import check_matrix, read_npy
from constrae.errors import DataError


@pytest.fixture
def edf_copy(shared_data, tmp_path):
    path = tmp_path / "S001R04.edf"
    shutil.copy(shared_data / "eegmmidb" / "S001" / "S001R04.edf", path)
    return path


def test_an_edf_cut_in_half_is_refused_with_the_records_it_holds(edf_copy):
    layout = read_layout(edf_copy)
    data = edf_copy.read_bytes()
    edf_copy.write_bytes(data[: layout.header_bytes + layout.record_bytes * (layout.records // 2) + 100])
    with pytest.raises(
        DataError,
        match=rf"S001R04.edf: the header promises {layout.records} data records of "
        rf"{layout.record_bytes} bytes, the file holds {layout.records // 2} and 100 bytes",
    ):
        read_recording(edf_copy)


def test_an_edf_whose_header_claims_more_records_is_refused(edf_copy):
    data = bytearray(edf_copy.read_bytes())
    claimed = read_layout(edf_copy).records
    data[236:244] = f"{claimed + 5:<8d}".encode()
    edf_copy.write_bytes(bytes(data))
    with pytest.raises(DataError, match=rf"promises {claimed + 5} data records .* the file holds {claimed} "):
        read_recording(edf_copy)


def test_a_whole_edf_still_reads(edf_copy):
    recording = read_recording(edf_copy)
    assert recording.signals_CT.shape == (64, 20000) and "FC5" in recording.channels


def test_a_cut_edf_is_an_error_line_in_the_cli_not_a_run(edf_copy, tmp_path):
    edf_copy.write_bytes(edf_copy.read_bytes()[:300_000])
    config = tmp_path / "run.yaml"
    config.write_text(f"data:\n  source: eeg\n  paths: [{edf_copy}]\n")
    result = CliRunner().invoke(app, ["train", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "S001R04.edf: the header promises" in result.stderr
    assert not (tmp_path / "run").exists()


def test_an_empty_npy_is_an_error_line_not_aborted(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    with pytest.raises(DataError, match="empty.npy: not a readable .npy array"):
        read_npy(tmp_path / "empty.npy")
    with pytest.raises(DataError, match="empty.npy: not a readable .npy array"):
        read_recording(tmp_path / "empty.npy", sfreq=160.0)
    config = tmp_path / "run.yaml"
    config.write_text(f"data:\n  source: npy\n  path: {tmp_path / 'empty.npy'}\n")
    result = CliRunner().invoke(app, ["train", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "Aborted" not in result.output
    assert "empty.npy: not a readable .npy array" in result.stderr


def test_complex_values_are_refused_not_cut_to_their_real_part(tmp_path):
    values = np.ones((3, 200), np.complex64) * (1 + 2j)
    with pytest.raises(DataError, match="x.npy: expected real numbers, got complex numbers"):
        check_matrix(values, "x.npy")
    np.save(tmp_path / "r.npy", values)
    with pytest.raises(DataError, match="r.npy: expected real numbers, got complex values"):
        read_recording(tmp_path / "r.npy", sfreq=100.0)
    np.savez(tmp_path / "r.npz", signals=values, sfreq=100.0, channels=np.array(["a", "b", "c"]))
    with pytest.raises(DataError, match="r.npz: signals: expected real numbers, got complex values"):
        read_recording(tmp_path / "r.npz")


def test_an_object_array_in_an_npz_is_refused_without_unpickling(tmp_path):
    np.savez(tmp_path / "r.npz", signals=np.array([[1.0, "x"]], dtype=object), sfreq=100.0, channels=np.array(["a"]))
    with pytest.raises(DataError, match="r.npz: not a readable .npz of numbers and strings: Object arrays"):
        read_recording(tmp_path / "r.npz")


def test_npz_and_csv_channel_names_are_standardised_like_edf_names(tmp_path):
    signals_CT = np.random.default_rng(0).normal(size=(4, 50))
    names = np.array(["Fc5.", "Cz..", "fp1", "C4"])
    np.savez(tmp_path / "r.npz", signals=signals_CT, sfreq=100.0, channels=names)
    assert read_recording(tmp_path / "r.npz").channels == ("FC5", "Cz", "Fp1", "C4")
    np.savetxt(tmp_path / "r.csv", signals_CT.T, delimiter=",", header=",".join(names), comments="")
    assert read_recording(tmp_path / "r.csv", sfreq=100.0).channels == ("FC5", "Cz", "Fp1", "C4")


def test_an_npy_recording_matches_a_model_by_position(tmp_path):
    signals_CT = np.random.default_rng(1).normal(size=(3, 800))
    np.savez(tmp_path / "named.npz", signals=signals_CT, sfreq=160.0, channels=np.array(["C3", "Cz", "C4"]))
    preprocessing = Preprocessing.fit([read_recording(tmp_path / "named.npz")], EEGConfig(window_seconds=1.0))
    np.save(tmp_path / "same.npy", signals_CT)
    unnamed = read_recording(tmp_path / "same.npy", sfreq=160.0)
    np.testing.assert_array_equal(
        preprocessing.filtered(unnamed), preprocessing.filtered(read_recording(tmp_path / "named.npz"))
    )
    np.save(tmp_path / "more.npy", np.vstack([signals_CT, signals_CT[:1]]))
    with pytest.raises(DataError, match=r"more.npy: 4 unnamed channels, the model reads 3 \(C3, Cz, C4"):
        preprocessing.filtered(read_recording(tmp_path / "more.npy", sfreq=160.0))
