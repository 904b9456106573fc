"""MNE objects as input: an mne.io.Raw encodes like its file, 10-05 channel names are kept, and
a recording without annotations takes its events from its stim channel."""

import mne
import numpy as np
import pytest

from constrae.data import read_recording
from constrae.data.mne_raw import recording_from_raw
from constrae.errors import DataError
from constrae.inference.extractor import FeatureExtractor
from small_runs import train_tangent_run


@pytest.fixture(scope="module")
def run(tmp_path_factory, shared_data):
    return train_tangent_run(tmp_path_factory.mktemp("mne") / "run", shared_data, ["S001"], ["C3", "Cz", "C4"], 5)


def test_an_mne_raw_encodes_as_the_file_it_was_read_from(run, shared_data):
    edf = shared_data / "eegmmidb" / "S001" / "S001R08.edf"
    extractor = FeatureExtractor.load(run)
    raw = mne.io.read_raw_edf(edf, verbose="error")
    np.testing.assert_array_equal(
        extractor.transform_recording(raw), extractor.transform_recording(read_recording(edf))
    )
    with pytest.raises(DataError, match="expected a Recording .* or an mne.io.Raw, got ndarray"):
        extractor.transform_recording(np.zeros((3, 100)))


def test_physionet_names_are_standardised_and_10_05_names_kept(shared_data):
    physionet = read_recording(shared_data / "eegmmidb" / "S001" / "S001R04.edf")
    assert {"FC5", "Cz", "Fp1", "AFz"} <= set(physionet.channels)
    info = mne.create_info(["AFF1h", "Cz", "FCC3h", "Fp1"], 100.0, "eeg")
    kept = recording_from_raw(mne.io.RawArray(np.zeros((4, 200)), info, verbose="error"), "array")
    assert kept.channels == ("AFF1h", "Cz", "FCC3h", "Fp1")


def test_events_come_from_the_stim_channel_when_there_are_no_annotations():
    sfreq, n = 100.0, 1000
    stim = np.zeros(n)
    stim[100:150], stim[400:420], stim[700:790] = 2, 3, 2
    data = np.vstack([np.random.default_rng(0).standard_normal((2, n)) * 1e-5, stim])
    info = mne.create_info(["C3", "C4", "STI 014"], sfreq, ["eeg", "eeg", "stim"])
    recording = recording_from_raw(mne.io.RawArray(data, info, verbose="error"), "with a stim channel")
    assert recording.channels == ("C3", "C4")
    assert recording.events.onsets_E.tolist() == [100, 400, 700]
    assert recording.events.durations_E.tolist() == [50, 20, 90]
    assert recording.events.labels_E.tolist() == ["2", "3", "2"]
