"""How a campaign scores accuracy: a linear probe on labelled data, or EEG decoding."""

from dataclasses import dataclass, field
from typing import Literal

from constrae.data.preprocessing import Representation
from constrae.io.mappings import require

REPRESENTATIONS = ("raw", "tangent_space")


@dataclass
class EvaluationConfig:
    kind: Literal["probe", "eeg"] = "probe"
    """probe: train on base.data, then a logistic regression on the training split's codes,
    scored on the validation split. eeg: the decode protocol of ``constrae bench decode``."""
    subject: str | None = None
    """eeg: folder of one subject's eegmmidb EDF files (relative to the space file)."""
    task: str = "imagery_fists_feet"
    """eeg: decoding task (constrae.bench.tasks.TASKS)."""
    recordings: list[str] | None = None
    """eeg, instead of subject and task: any recordings of one person (relative to the space file)."""
    labels: list[str] = field(default_factory=lambda: ["T1", "T2"])
    """eeg with recordings: the two event labels to decode (annotations, or stim channel codes)."""
    trial_start: float = 1.0
    """eeg with recordings: a trial's window starts this long after its event, in seconds."""
    trial_seconds: float = 1.0
    """eeg with recordings: length of a trial's window, in seconds."""
    folds: int = 5
    """eeg: ShuffleSplit folds (test 20 %, random_state 42); one AE per fold."""
    representation: Representation = "tangent_space"
    """eeg: what the AE encodes: standardised 1 s windows, or their tangent-space vectors."""
    classifier: Literal["LDA", "LR"] = "LDA"
    """eeg: the linear classifier on the codes (see bench/decode.py CLASSIFIERS)."""
    latency_calls: int = 200
    """Back-to-back encode calls on one input row for latency_us (median)."""

    def __post_init__(self) -> None:
        from constrae.bench.tasks import TASKS

        require(
            self.kind != "eeg" or (self.subject is None) != (self.recordings is None),
            "evaluation.subject",
            "kind eeg reads either subject (with task) or recordings (with labels), one of them",
        )
        require(len(self.labels) == 2, "evaluation.labels", f"must name two event labels, got {self.labels}")
        require(self.trial_seconds > 0, "evaluation.trial_seconds", f"must be > 0, got {self.trial_seconds}")
        require(self.task in TASKS, "evaluation.task", f"unknown task {self.task!r}; allowed: {', '.join(TASKS)}")
        require(self.folds >= 2, "evaluation.folds", f"must be >= 2, got {self.folds}")
        require(self.latency_calls >= 1, "evaluation.latency_calls", f"must be >= 1, got {self.latency_calls}")
