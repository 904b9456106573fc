"""``constrae bench online``: each held-out recording replayed in real time, served by the model
with its decoder, and scored against its cues (``scoring``); the baseline is CSP+LDA, fitted on
the decoder's training recordings, deciding on exactly the windows the model decided on."""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from constrae.bench.baselines import causal_band_windows, csp_lda
from constrae.control.cursor import CursorConfig
from constrae.control.simulate import TaskScores, perfect_decisions, run_task
from constrae.data import Recording, read_recording
from constrae.data.trials import trials_of
from constrae.inference.extractor import FeatureExtractor
from constrae.online.scoring import Decision, OnlineScores, score_session
from constrae.online.session import SessionRecord, record_session
from constrae.stream.decoder import LinearDecoder

TRIAL_OFFSET_S = 1.0
"""Offline accuracy: one window per trial, from this long after the cue (``bench decode``'s protocol)."""


class OnlineRow(NamedTuple):
    recording: str
    method: str
    offline_accuracy: float
    """Accuracy of the same model on one window per trial of this recording, offline."""
    scores: OnlineScores
    latency_p50_ms: float
    """End to end, a window's last sample's time stamp to its codes pushed (the model); NaN for
    the baseline, decided afterwards on the same windows."""
    latency_p99_ms: float
    effector: TaskScores
    """The cursor task (``constrae.control``) driven by these decisions."""
    perfect_effector: TaskScores
    """The same task with every decision inside a trial right: what a perfect decoder would do."""


def fitted_csp_lda(train: list[Path], classes: list[str], window: int, channels: list[str]):
    recordings = [read_recording(path) for path in train]
    trials = trials_of(recordings, classes, TRIAL_OFFSET_S, window)
    windows_NCW = trials.gather(recordings, lambda rec, starts: causal_band_windows(rec, starts, window, channels))
    return csp_lda().fit(windows_NCW, (trials.labels_N == classes[1]).astype(int))


def baseline_decisions(pipeline, recording: Recording, session: SessionRecord, window: int, channels, classes):
    """CSP+LDA's decision on each window the model decided on, with the same time stamp."""
    windows_NCW = causal_band_windows(recording, session.last_samples - window + 1, window, channels)
    values_D = pipeline.decision_function(windows_NCW)
    return [
        Decision(d.timestamp_s, classes[int(value > 0)], float(value))
        for d, value in zip(session.decisions, values_D, strict=True)
    ]


def offline_accuracies(extractor, decoder, pipeline, recording: Recording, classes: list[str]) -> tuple[float, float]:
    """(model, CSP+LDA) accuracy on one window per trial, TRIAL_OFFSET_S after each cue."""
    window = extractor.preprocessing.window
    trials = trials_of([recording], classes, TRIAL_OFFSET_S, window)
    codes_NH = extractor.transform_recording(recording, trials.starts_N)
    model = np.mean([decoder.decide(f) == label for f, label in zip(codes_NH, trials.labels_N, strict=True)])
    windows_NCW = causal_band_windows(recording, trials.starts_N, window, extractor.preprocessing.channels)
    predicted_N = np.array(classes)[(pipeline.decision_function(windows_NCW) > 0).astype(int)]
    return float(model), float(np.mean(predicted_N == trials.labels_N))


def bench_online(
    run_dir: Path,
    decoder_dir: Path,
    recordings: list[Path],
    train: list[Path],
    classes: list[str],
    hop_seconds: float = 0.0625,
    seconds: float | None = None,
    name: str = "constrae-online",
    effector: CursorConfig | None = None,
) -> tuple[list[OnlineRow], list[SessionRecord]]:
    """A model row and a CSP+LDA row per recording, and each recording's session."""
    effector = effector or CursorConfig()
    extractor, decoder = FeatureExtractor.load(run_dir), LinearDecoder.load(decoder_dir)
    preprocessing = extractor.preprocessing
    window, channels = preprocessing.window, preprocessing.channels
    pipeline = fitted_csp_lda(train, classes, window, channels)
    rows, sessions = [], []
    for index, path in enumerate(recordings):
        recording = read_recording(path)
        session = record_session(extractor, decoder, recording, f"{name}-{index}", hop_seconds, seconds)
        window_s = window / preprocessing.sfreq
        model_offline, csp_offline = offline_accuracies(extractor, decoder, pipeline, recording, classes)
        latency = session.summary.latency
        perfect = perfect_decisions(session.decisions, session.cues, classes, session.end_s)
        perfect_task = run_task(perfect, session.cues, classes, effector, session.end_s)
        csp = baseline_decisions(pipeline, recording, session, window, channels, classes)
        for method, decisions, offline, p50, p99 in (
            (f"constrae ({run_dir.name})", session.decisions, model_offline, latency.p50_ms, latency.p99_ms),
            ("CSP+LDA (same windows)", csp, csp_offline, np.nan, np.nan),
        ):
            scores = score_session(decisions, session.cues, classes, window_s, session.end_s)
            task = run_task(decisions, session.cues, classes, effector, session.end_s)
            rows.append(OnlineRow(path.name, method, offline, scores, p50, p99, task, perfect_task))
        sessions.append(session)
    return rows, sessions
