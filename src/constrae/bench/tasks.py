"""The EEG Motor Movement/Imagery tasks of one subject, as decoding problems."""

from pathlib import Path
from typing import NamedTuple

from constrae.data import Recording, read_recording
from constrae.data.trials import Trials, trials_of
from constrae.errors import DataError

DEFAULT_SUBJECT = Path("../shared/data/eegmmidb/S001")
"""Subject S001 of the shared data, relative to the project root (the benchmarks' default)."""


class Task(NamedTuple):
    runs: tuple[int, ...]
    """Run numbers of the subject's recordings (R04 is run 4)."""
    classes: dict[str, str]
    """Annotation label -> class name."""


TASKS = {
    "imagery_fists_feet": Task((6, 10, 14), {"T1": "both fists", "T2": "both feet"}),
    "imagery_left_right": Task((4, 8, 12), {"T1": "left fist", "T2": "right fist"}),
    "executed_fists_feet": Task((5, 9, 13), {"T1": "both fists", "T2": "both feet"}),
    "executed_left_right": Task((3, 7, 11), {"T1": "left fist", "T2": "right fist"}),
}
"""PhysioNet eegmmidb runs per task (see ../shared/data/README.md)."""

CUE_OFFSET_SECONDS = 1.0
TRIAL_SECONDS = 1.0
"""Trials are the 1 s from 1 s to 2 s after the cue, as in MNE's CSP example."""


class LoadedTask(NamedTuple):
    name: str
    paths: list[Path]
    recordings: list[Recording]
    trials: Trials
    classes: list[str]
    """Event labels of the two classes; the second is class 1."""
    offset_seconds: float = CUE_OFFSET_SECONDS
    """A trial's window starts this long after its event's onset."""
    trial_seconds: float = TRIAL_SECONDS
    """Length of a trial's window."""

    @property
    def subject(self) -> str:
        """The subject's folder name (S001), which its recordings' file names start with."""
        return self.paths[0].parent.name


def task_named(name: str) -> Task:
    """``TASKS[name]``; DataError lists the tasks there are."""
    if name not in TASKS:
        raise DataError(f"unknown task {name!r}; allowed: {', '.join(TASKS)}")
    return TASKS[name]


def expected_paths(subject_dir: Path, runs: tuple[int, ...]) -> list[Path]:
    """Where eegmmidb keeps the subject's ``runs``: S001/S001R04.edf for run 4."""
    return [subject_dir / f"{subject_dir.name}R{run:02d}.edf" for run in runs]


def missing_runs(subject_dir: Path, task: str) -> list[Path]:
    """The recordings of ``task`` that ``subject_dir`` lacks (none: the task can run)."""
    return [path for path in expected_paths(subject_dir, task_named(task).runs) if not path.is_file()]


def run_paths(subject_dir: Path, runs: tuple[int, ...]) -> list[Path]:
    paths = expected_paths(subject_dir, runs)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise DataError(f"recordings not found: {', '.join(missing)} (expected PhysioNet eegmmidb EDF files)")
    return paths


def load_task(name: str, subject_dir: Path) -> LoadedTask:
    return load_recordings_task(run_paths(subject_dir, task_named(name).runs), list(TASKS[name].classes), name=name)


def load_recordings_task(
    paths: list[Path],
    classes: list[str],
    offset_seconds: float = CUE_OFFSET_SECONDS,
    trial_seconds: float = TRIAL_SECONDS,
    name: str = "custom",
) -> LoadedTask:
    """Any recordings as a two-class task: a trial per event labelled one of ``classes``, its
    window ``trial_seconds`` long from ``offset_seconds`` after the onset. DataError for a
    recording without such events, or other than two classes."""
    if len(classes) != 2:
        raise DataError(f"a decoding task needs two event labels, got {len(classes)}: {', '.join(classes)}")
    if not trial_seconds > 0:
        raise DataError(f"trial length must be > 0 s, got {trial_seconds}")
    recordings = [read_recording(path) for path in paths]
    window = int(round(trial_seconds * recordings[0].sfreq))
    trials = trials_of(recordings, classes, offset_seconds, window)
    return LoadedTask(name, [Path(p) for p in paths], recordings, trials, classes, offset_seconds, trial_seconds)
