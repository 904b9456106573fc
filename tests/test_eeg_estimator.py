"""EEGAutoencoder: a scikit-learn transformer over mne.io.Raw, mne.Epochs and epoch arrays."""

import mne
import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator

from constrae.errors import DataError
from constrae.estimators import EEGAutoencoder

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Fz"]
DEGENERATE_COVARIANCES = {
    "check_estimators_dtypes": "its integer data gives flat epochs, whose covariance has no tangent vector",
    "check_fit2d_1feature": "a one-sample epoch's covariance has no tangent vector (named DataError instead)",
}


@pytest.mark.parametrize("representation", ["raw", "tangent_space"])
def test_scikit_learn_estimator_checks(representation):
    expected = DEGENERATE_COVARIANCES if representation == "tangent_space" else {}
    check_estimator(
        EEGAutoencoder(hidden_size=4, epochs=2, batch_size=16, representation=representation),
        expected_failed_checks=expected,
    )


@pytest.fixture(scope="module")
def s001(shared_data):
    """S001's run 4 as MNE reads it, band-passed by MNE, 8 motor channels, its T1/T2 trials as
    Epochs of exactly 1 s (160 samples) from 1 s after each cue."""
    raw = mne.io.read_raw_edf(shared_data / "eegmmidb" / "S001" / "S001R04.edf", preload=True, verbose="error")
    raw.rename_channels(lambda name: name.strip(".").upper().replace("Z", "z"))
    raw.pick(CHANNELS).crop(0, 80).filter(7.0, 30.0, verbose="error")
    events, _ = mne.events_from_annotations(raw, event_id={"T1": 1, "T2": 2}, verbose="error")
    epochs = mne.Epochs(raw, events, tmin=1.0, tmax=2.0 - 1 / 160, baseline=None, preload=True, verbose="error")
    return raw, epochs


def test_raw_epochs_and_arrays_of_the_same_trials_give_the_same_codes(s001):
    raw, epochs = s001
    model = EEGAutoencoder(hidden_size=6, epochs=3, window_seconds=1.0, hop_seconds=1 / 160, random_state=0)
    codes_NH = model.fit(epochs).transform(epochs)
    assert codes_NH.shape == (len(epochs), 6) and np.isfinite(codes_NH).all()
    np.testing.assert_array_equal(model.transform(epochs.get_data()), codes_NH)
    every_window_WH = model.transform(raw)
    starts_N = epochs.events[:, 0] - raw.first_samp + 160
    np.testing.assert_allclose(every_window_WH[starts_N], codes_NH, rtol=1e-5, atol=1e-6)


def test_epochs_are_read_by_channel_name(s001):
    _, epochs = s001
    model = EEGAutoencoder(hidden_size=4, epochs=2, random_state=0).fit(epochs)
    reordered = epochs.copy().reorder_channels(CHANNELS[::-1])
    np.testing.assert_allclose(model.transform(reordered), model.transform(epochs), rtol=1e-6)
    with pytest.raises(DataError, match="lacks 1 of the fitted channels: Fz"):
        model.transform(epochs.copy().drop_channels(["Fz"]))


def test_it_is_a_step_of_a_cross_validated_pipeline(s001):
    _, epochs = s001
    pipeline = make_pipeline(EEGAutoencoder(hidden_size=8, epochs=3, random_state=0), LinearDiscriminantAnalysis())
    scores = cross_val_score(pipeline, epochs.get_data(), epochs.events[:, 2], cv=2)
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()


def test_a_pretrained_run_is_used_as_it_is_and_only_the_alignment_is_fitted(s001, shared_data, tmp_path):
    """Two-second epochs through a population run of 1 s windows: the codes are the mean of the
    three half-overlapping windows' codes, through an alignment fitted on those windows; labels
    play no part."""
    from constrae.data import Preprocessing
    from constrae.inference.extractor import FeatureExtractor
    from constrae.io.checkpoint import load_model
    from constrae.io.run_folder import load_population
    from small_runs import MOTOR_CHANNELS, train_tangent_run

    run = train_tangent_run(tmp_path / "population", shared_data, ["S012", "S013"], MOTOR_CHANNELS)
    raw, _ = s001
    events, _ = mne.events_from_annotations(raw, event_id={"T1": 1, "T2": 2}, verbose="error")
    epochs = mne.Epochs(raw, events, tmin=0.5, tmax=2.5 - 1 / 160, baseline=None, preload=True, verbose="error")
    X, y = epochs.get_data(), epochs.events[:, 2]
    model = EEGAutoencoder(pretrained=str(run), sfreq=160.0, ch_names=MOTOR_CHANNELS).fit(X, y)
    codes_NH = model.transform(X)
    pieces = [X[:, :, start : start + 160] for start in (0, 80, 160)]
    config = load_population(run)[0].config
    config.l_freq = config.h_freq = None
    expected_alignment = Preprocessing.from_windows(np.concatenate(pieces), config, 160.0, MOTOR_CHANNELS)
    np.testing.assert_allclose(model.preprocessing_.reference_inv_sqrt_CC, expected_alignment.reference_inv_sqrt_CC)
    trained, _ = load_model(run)
    extractor = FeatureExtractor.from_model(trained, model.preprocessing_)
    expected_NH = np.mean([extractor.encode_windows(piece) for piece in pieces], axis=0)
    np.testing.assert_allclose(codes_NH, expected_NH, rtol=1e-5, atol=1e-6)
    shuffled = EEGAutoencoder(pretrained=str(run), sfreq=160.0, ch_names=MOTOR_CHANNELS).fit(X, y[::-1])
    np.testing.assert_array_equal(shuffled.transform(X), codes_NH)
