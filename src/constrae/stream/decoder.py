"""A linear decoder of commands from features: fitted on labelled trials, stored as JSON + safetensors.

Shapes: ``n`` trials, ``h`` features, ``k`` classes (``k`` = 1 weight row for two classes).

Stored without pickle: ``decoder.json`` (classes, what it was fitted on) and
``decoder.safetensors`` (weight ``W_KH``, bias ``b_K``). The decision is the class of
the largest ``W f + b``, or for two classes the second when ``w . f + b > 0``, as
scikit-learn's linear classifiers decide.
"""

import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load, save

from constrae.data import read_recording
from constrae.data.crops import CROP_HOP_SECONDS, CROP_REACH_SECONDS, crops_of, of_trials
from constrae.data.trials import trials_of
from constrae.errors import CheckpointError, DataError
from constrae.inference.extractor import FeatureExtractor
from constrae.io.atomic import atomic_write_bytes, atomic_write_text

DECODER_JSON, DECODER_TENSORS = "decoder.json", "decoder.safetensors"


def _lda():
    """Shrinkage LDA: robust with few trials per feature."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")


class LinearDecoder:
    """Class label of one feature vector.

    Example:
        >>> decoder = LinearDecoder.load("runs/decoder")
        >>> decoder.decide(features_H)  # "T1"
    """

    def __init__(self, classes: list[str], W_KH: np.ndarray, b_K: np.ndarray) -> None:
        if len(W_KH) != (1 if len(classes) == 2 else len(classes)) or W_KH.shape[0] != len(b_K):
            raise DataError(f"decoder: {len(classes)} classes but weights of shape {W_KH.shape} and {len(b_K)} biases")
        self.classes, self.W_KH, self.b_K = classes, W_KH.astype(np.float32), b_K.astype(np.float32)

    @property
    def n_features(self) -> int:
        return self.W_KH.shape[1]

    def decision_value(self, features_H: np.ndarray) -> float:
        """For two classes, w . f + b (positive: the second class; LDA's log-odds of it); for
        more, the largest score."""
        return float(np.max(self.W_KH @ features_H + self.b_K))

    def decide(self, features_H: np.ndarray) -> str:
        scores_K = self.W_KH @ features_H + self.b_K
        if len(self.classes) == 2:
            return self.classes[int(scores_K[0] > 0)]
        return self.classes[int(np.argmax(scores_K))]

    @classmethod
    def fit(cls, features_NH: np.ndarray, labels_N: np.ndarray) -> "LinearDecoder":
        lda = _lda().fit(features_NH, labels_N)
        return cls([str(c) for c in lda.classes_], lda.coef_, lda.intercept_)

    def save(self, folder: str | Path, about: dict) -> Path:
        folder = Path(folder)
        atomic_write_bytes(folder / DECODER_TENSORS, save({"W_KH": self.W_KH, "b_K": self.b_K}))
        atomic_write_text(folder / DECODER_JSON, json.dumps({"classes": self.classes, **about}, indent=2))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "LinearDecoder":
        folder = Path(folder)
        for name in (DECODER_JSON, DECODER_TENSORS):
            if not (folder / name).is_file():
                raise CheckpointError(f"{folder} is not a decoder folder: {name} is missing")
        try:
            classes = [str(c) for c in json.loads((folder / DECODER_JSON).read_text())["classes"]]
            tensors = load((folder / DECODER_TENSORS).read_bytes())
            return cls(classes, tensors["W_KH"], tensors["b_K"])
        except (ValueError, KeyError, TypeError, SafetensorError) as error:
            raise CheckpointError(f"{folder}: not a readable decoder: {error!r}") from error


def fit_decoder(
    extractor: FeatureExtractor,
    paths: list[Path],
    labels: list[str],
    offset_seconds: float,
    units: str | None = None,
    crop_seconds: float = CROP_REACH_SECONDS,
) -> tuple[LinearDecoder, float]:
    """A decoder of ``labels`` fitted on the crops of each such event's window ``offset_seconds``
    after its onset (the windows every CROP_HOP_SECONDS within +-``crop_seconds`` of it; 0: that
    window alone), in ``units`` when the files do not say; and its cross-validated accuracy (up to
    5 folds of trials, each fitted on the crops of the others and scored on its trials' windows)."""
    from sklearn.model_selection import StratifiedKFold

    recordings = [read_recording(path, units=units) for path in paths]
    window = extractor.preprocessing.window
    trials = trials_of(recordings, labels, offset_seconds, window)
    if len(set(trials.labels_N.tolist())) < 2:
        raise DataError(
            f"{', '.join(map(str, paths))}: trials of only one label, {trials.labels_N[0]!r}; a decoder needs two"
        )
    n_samples = [recording.n_samples for recording in recordings]
    crops = crops_of(trials, recordings[0].sfreq, n_samples, window, crop_seconds, CROP_HOP_SECONDS)
    features_MH = crops.trials.gather(recordings, extractor.transform_recording)
    # Each trial's own window is its crop at offset 0, and crops come in trial order.
    features_NH = features_MH[crops.trials.starts_N == trials.starts_N[crops.trial_M]]
    folds = min(5, int(np.unique(trials.labels_N, return_counts=True)[1].min()))
    accuracies = []
    if folds >= 2:
        for train_N, test_N in StratifiedKFold(folds).split(features_NH, trials.labels_N):
            fitted = of_trials(crops, train_N)
            decoder = LinearDecoder.fit(features_MH[fitted], crops.trials.labels_N[fitted])
            decided = [decoder.decide(features_H) for features_H in features_NH[test_N]]
            accuracies.append(np.mean(np.array(decided) == trials.labels_N[test_N]))
    accuracy = float(np.mean(accuracies)) if accuracies else float("nan")
    return LinearDecoder.fit(features_MH, crops.trials.labels_N), accuracy
