"""Pseudo-online scoring: hand-checked scores of a made-up session, Wolpaw's ITR, and a real
session replayed over LSL scoring as the same decisions computed offline."""

import math

import numpy as np
import pytest

from constrae.online.scoring import Cue, Decision, score_session, wolpaw_itr_bits
from small_runs import train_tangent_run

CLASSES = ["T1", "T2"]


def made_up_session() -> list[Decision]:
    """A decision every 0.5 s (1 s windows); within the T1 trial [4, 8.1) a confident wrong one
    first, then three right (stable at 6.5 s); within T2 [12.2, 16.3) all right and confident; in the first rest
    one run of three confident decisions, in the second none."""
    decided = {t: ("T1", 0.0) for t in np.arange(0.5, 16.01, 0.5).round(1)}
    decided |= {1.0: ("T1", -2.0), 1.5: ("T1", -2.0), 2.0: ("T1", -2.0), 2.5: ("T2", 0.1), 3.0: ("T2", 0.1)}
    trial_t1 = [("T2", 3.0), ("T1", -3.0), ("T1", -3.0), ("T1", -3.0), ("T1", -0.5), ("T2", 0.5), ("T1", -0.5)]
    decided |= dict(zip([5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0], trial_t1, strict=True))
    decided |= {t: ("T1", 0.5) for t in (9.5, 10.0, 10.5, 11.0, 11.5, 12.0)}
    decided |= {t: ("T2", 2.0) for t in (13.5, 14.0, 14.5, 15.0, 15.5, 16.0)}
    return [Decision(float(t), label, value) for t, (label, value) in sorted(decided.items())]


def test_a_made_up_session_scores_as_counted_by_hand():
    cues = [Cue(0.0, "T0"), Cue(4.0, "T1"), Cue(8.1, "T0"), Cue(12.2, "T2")]
    scores = score_session(made_up_session(), cues, CLASSES, window_s=1.0, end_s=16.3)
    assert scores.trials == 2 and scores.majority_accuracy == 1.0
    assert scores.first_confident_accuracy == 0.5
    assert scores.trials_stable == 2 and scores.time_to_stable_s == pytest.approx((2.5 + 2.3) / 2)
    assert scores.false_activations_per_min == pytest.approx(1 / (8.1 / 60))
    assert scores.decisions_per_s == pytest.approx(2.0)
    assert scores.itr_bits_per_min == pytest.approx(1.0 / (4.1 / 60))


def test_wolpaws_bits_per_selection():
    assert wolpaw_itr_bits(0.8, 2) == pytest.approx(1 + 0.8 * math.log2(0.8) + 0.2 * math.log2(0.2))
    assert wolpaw_itr_bits(1.0, 4) == pytest.approx(2.0)
    assert wolpaw_itr_bits(0.5, 2) == wolpaw_itr_bits(0.3, 2) == 0.0


@pytest.mark.slow
def test_a_replayed_session_scores_as_its_decisions_computed_offline(shared_data, tmp_path):
    from constrae.data import read_recording
    from constrae.inference.extractor import FeatureExtractor
    from constrae.online.session import record_session
    from constrae.stream.decoder import fit_decoder

    run = train_tangent_run(tmp_path / "run", shared_data, ["S001"], ["C3", "Cz", "C4", "FC3", "FC4"])
    extractor = FeatureExtractor.load(run)
    path = shared_data / "eegmmidb" / "S001" / "S001R08.edf"
    decoder, _ = fit_decoder(extractor, [shared_data / "eegmmidb" / "S001" / "S001R04.edf"], CLASSES, 1.0)
    session = record_session(extractor, decoder, read_recording(path), "constrae-test-online", seconds=14.0)
    recording = read_recording(path)
    played = recording.events.onsets_E < 14.0 * recording.sfreq
    assert [c.label for c in session.cues] == recording.events.labels_E[played].tolist()
    onsets_s = recording.events.onsets_E[played] / recording.sfreq
    # Each inlet corrects for clock offset on its own (microseconds apart): far below a sample (6.25 ms).
    np.testing.assert_allclose([c.onset_s - session.start_s for c in session.cues], onsets_s, atol=1e-4)
    window = extractor.preprocessing.window
    codes_DH = extractor.transform_recording(recording, session.last_samples - window + 1)
    offline = [
        Decision(d.timestamp_s, decoder.decide(f), decoder.decision_value(f))
        for d, f in zip(session.decisions, codes_DH, strict=True)
    ]
    assert [d.label for d in offline] == [d.label for d in session.decisions]
    window_s = window / recording.sfreq
    online_scores = score_session(session.decisions, session.cues, CLASSES, window_s, session.end_s)
    labels = recording.events.labels_E[played]
    offline_cues = [Cue(session.start_s + onset, label) for onset, label in zip(onsets_s, labels, strict=True)]
    offline_scores = score_session(offline, offline_cues, CLASSES, window_s, session.end_s)
    for name, online in online_scores._asdict().items():
        assert getattr(offline_scores, name) == pytest.approx(online, abs=1e-3, nan_ok=True), name
