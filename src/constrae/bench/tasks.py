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
    paths = run_paths(subject_dir, task_named(name).runs)
    recordings = [read_recording(path) for path in paths]
    window = int(round(TRIAL_SECONDS * recordings[0].sfreq))
    return LoadedTask(
        name, paths, recordings, trials_of(recordings, list(TASKS[name].classes), CUE_OFFSET_SECONDS, window)
    )
