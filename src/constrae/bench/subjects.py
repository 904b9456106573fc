"""``constrae bench decode`` over several subjects: each subject's tasks on their own splits,
skipping (with a line that says so) the tasks whose runs a subject's folder lacks."""

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from constrae.bench.decode import DecodeRow, evaluate
from constrae.bench.tasks import load_task, missing_runs
from constrae.bench.variants import AEVariant
from constrae.data.crops import CROP_REACH_SECONDS
from constrae.errors import DataError


class SkippedTask(NamedTuple):
    """A task left out for one subject because its folder lacks some of the task's runs."""

    subject: str
    task: str
    missing: list[str]
    """File names of the absent recordings (S012R06.edf)."""

    def line(self) -> str:
        return f"skipped {self.subject} {self.task}: missing {', '.join(self.missing)}"


class SubjectsRun(NamedTuple):
    """The rows of every subject's runnable tasks, and what was skipped."""

    rows: list[DecodeRow]
    skipped: list[SkippedTask]


def runnable_tasks(
    subject_dirs: list[Path], tasks: list[str], log: Callable[[str], object]
) -> tuple[list[tuple[Path, str]], list[SkippedTask]]:
    """(subject folder, task) pairs whose recordings are all there, and the others, each logged
    as it is found. DataError: a folder that does not exist, one subject twice, or nothing to run."""
    names = [Path(folder).name for folder in subject_dirs]
    for folder in subject_dirs:
        if not Path(folder).is_dir():
            raise DataError(f"subject folder not found: {folder} (expected a folder of eegmmidb EDF files)")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(f"subject given more than once: {', '.join(repeated)}")
    runnable, skipped = [], []
    for folder in map(Path, subject_dirs):
        for task in tasks:
            missing = missing_runs(folder, task)
            if missing:
                skipped.append(SkippedTask(folder.name, task, [path.name for path in missing]))
                log(skipped[-1].line())
            else:
                runnable.append((folder, task))
    if not runnable:
        raise DataError(f"no subject has the recordings of any task asked ({', '.join(tasks)})")
    return runnable, skipped


def evaluate_subjects(
    subject_dirs: list[Path],
    tasks: list[str],
    variants: list[AEVariant],
    folds: int,
    progress: bool = True,
    log: Callable[[str], object] = print,
    crop_seconds: float = CROP_REACH_SECONDS,
) -> SubjectsRun:
    """``evaluate`` on every (subject, task) whose recordings are there, loading one at a time."""
    runnable, skipped = runnable_tasks(subject_dirs, tasks, log)
    loaded = (load_task(task, folder) for folder, task in runnable)
    return SubjectsRun(evaluate(loaded, variants, folds, progress, len(runnable), crop_seconds), skipped)
