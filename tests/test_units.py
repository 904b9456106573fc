"""Units: a model keeps the units it was trained in; recordings and streams that say theirs are
converted to them, and input whose amplitude is far from the training data's is warned about."""

import warnings

import numpy as np
import pylsl
import pytest
from typer.testing import CliRunner

from constrae.cli import app
from constrae.data import read_recording
from constrae.data.units import UnitsWarning, canonical_unit, conversion
from constrae.errors import DataError, StreamMismatchError
from constrae.inference.extractor import FeatureExtractor
from constrae.io.run_folder import load_preprocessing
from constrae.stream.lsl_info import layout_of, make_info
from constrae.stream.matching import stream_scale
from small_runs import train_tangent_run


@pytest.fixture(scope="module")
def run(tmp_path_factory, shared_data):
    """A tangent-space AE trained on S001's run 4 as MNE reads it (volts)."""
    return train_tangent_run(
        tmp_path_factory.mktemp("units") / "run", shared_data, ["S001"], ["C3", "Cz", "C4", "FC3", "FC4"]
    )


@pytest.fixture(scope="module")
def s001_r08(shared_data):
    return read_recording(shared_data / "eegmmidb" / "S001" / "S001R08.edf")


def as_microvolt_npz(recording, path, declare: bool):
    members = {
        "signals": recording.signals_CT * 1e6,
        "sfreq": recording.sfreq,
        "channels": np.array(recording.channels),
    }
    np.savez(path, **members, **({"units": np.array("µV")} if declare else {}))
    return path


def test_spellings_and_factors():
    assert [canonical_unit(u, "here") for u in ("V", "volts", "mV", "µV", "μV", "uV", "microvolts", "nV")] == [
        "V", "V", "mV", "uV", "uV", "uV", "uV", "nV",
    ]  # fmt: skip
    assert conversion("uV", "V") == pytest.approx(1e-6) and conversion(None, "V") == conversion("mV", None) == 1.0
    with pytest.raises(DataError, match="unknown unit 'furlongs'"):
        canonical_unit("furlongs", "here")


def test_the_model_keeps_its_training_units(run):
    assert load_preprocessing(run).units == "V"


def test_a_recording_that_declares_microvolts_encodes_as_the_same_recording_in_volts(run, s001_r08, tmp_path):
    extractor = FeatureExtractor.load(run)
    microvolts = read_recording(as_microvolt_npz(s001_r08, tmp_path / "uv.npz", declare=True))
    assert microvolts.units == "uV"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnitsWarning)
        np.testing.assert_allclose(
            extractor.transform_recording(microvolts), extractor.transform_recording(s001_r08), rtol=1e-5, atol=1e-6
        )


def test_undeclared_microvolts_are_warned_about_and_units_says_what_they_are(run, s001_r08, tmp_path):
    path = as_microvolt_npz(s001_r08, tmp_path / "plain.npz", declare=False)
    with pytest.warns(UnitsWarning, match=r"times the training data's; the model was trained in V") as caught:
        FeatureExtractor.load(run).transform_recording(read_recording(path))
    ratio = float(str(caught[0].message).split("amplitude ")[1].split(" times")[0])
    assert 1e5 < ratio < 1e7  # a million, give or take how loud this run is against the training one
    expected = FeatureExtractor.load(run).transform_recording(s001_r08)
    result = CliRunner().invoke(app, ["encode", str(run), str(path), "-o", str(tmp_path / "c.npy"), "--units", "uV"])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), expected, rtol=1e-5, atol=1e-6)


def test_units_that_contradict_the_file_are_refused(run, shared_data, tmp_path):
    edf = shared_data / "eegmmidb" / "S001" / "S001R08.edf"
    result = CliRunner().invoke(app, ["encode", str(run), str(edf), "-o", str(tmp_path / "c.npy"), "--units", "uV"])
    assert result.exit_code == 2 and "samples are in V, not uV as given" in result.stderr
    assert not (tmp_path / "c.npy").exists()


def test_a_stream_is_scaled_by_the_units_its_channels_declare(run):
    preprocessing = load_preprocessing(run)
    declared = layout_of(make_info("eeg-uv", "EEG", ["C3", "Cz"], 160.0, "double64", "test", unit="microvolts"))
    assert declared.units == "uV" and stream_scale(preprocessing, declared, None) == pytest.approx(1e-6)
    silent = layout_of(make_info("eeg", "EEG", ["C3", "Cz"], 160.0, "double64", "test"))
    assert silent.units is None and stream_scale(preprocessing, silent, "mV") == pytest.approx(1e-3)
    with pytest.raises(StreamMismatchError, match="in uV, not V as given"):
        stream_scale(preprocessing, declared, "V")
    mixed = make_info("mixed", "EEG", ["C3", "Cz"], 160.0, "double64", "test")
    mixed.set_channel_units(["uV", "V"])
    with pytest.raises(StreamMismatchError, match="mixed units"):
        layout_of(mixed)
    assert isinstance(mixed, pylsl.StreamInfo)
