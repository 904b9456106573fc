"""``bench calibrate`` over subjects and tasks, one held-out subject at a time, each one's rows
kept in ``OUT/rows/TASK/SUBJECT.json`` so that a rerun with the same settings skips it."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tqdm.auto import tqdm

from constrae.bench.calibrate import CalibrationRow, held_out_rows
from constrae.bench.calibration_draws import TrialsPerClass
from constrae.bench.calibration_subjects import CalibrationSubject, calibration_subject
from constrae.bench.subjects import SkippedTask, runnable_tasks
from constrae.bench.variants import AEVariant
from constrae.errors import DataError
from constrae.io.atomic import atomic_write_text

ROWS_DIR = "rows"


class CalibrationRun(NamedTuple):
    rows: dict[str, list[CalibrationRow]]
    """Per task, every held-out subject's rows."""
    skipped: list[SkippedTask]


def settings(population: list[str], variants: list[AEVariant], ks: list[TrialsPerClass], draws: int, seed: int):
    """What a held-out subject's rows depend on besides its own files."""
    return {"population": population, "variants": [v.name for v in variants], "k": ks, "draws": draws, "seed": seed}


def cached_rows(path: Path, wanted: dict) -> list[CalibrationRow] | None:
    """The rows stored at ``path`` when they were made with ``wanted`` settings; else None."""
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        if stored["settings"] != wanted:
            return None
        return [CalibrationRow(**row) for row in stored["rows"]]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None


def run_calibration(
    subject_dirs: list[Path],
    population_dirs: list[Path],
    tasks: list[str],
    variants: list[AEVariant],
    ks: list[TrialsPerClass],
    draws: int,
    seed: int,
    out_dir: Path,
    progress: bool = True,
    log: Callable[[str], object] = print,
) -> CalibrationRun:
    """Every held-out subject's rows for every task its folder has (population-only folders
    without a task's runs are left out of that task's population, with a line)."""
    names = [Path(d).name for d in [*subject_dirs, *population_dirs]]
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise DataError(f"a subject is given more than once: {', '.join(repeated)}")
    runnable, skipped = runnable_tasks(subject_dirs, tasks, log)
    extra, extra_skipped = runnable_tasks(population_dirs, tasks, log) if population_dirs else ([], [])
    representations = list(dict.fromkeys(["tangent_space", *(v.representation for v in variants)]))
    rows: dict[str, list[CalibrationRow]] = {}
    with tqdm(total=len(runnable), desc="calibrate (held-out subject x task)", disable=not progress) as bar:
        for task in tasks:
            held_out = [folder for folder, t in runnable if t == task]
            others = [folder for folder, t in extra if t == task]
            if len(held_out) + len(others) < 2:
                if held_out:
                    log(f"skipped {task}: a population needs a subject besides the held-out one")
                    bar.update(len(held_out))
                continue
            loaded: dict[Path, CalibrationSubject] = {}
            for folder in held_out:
                population = [f for f in [*held_out, *others] if f != folder]
                wanted = settings([f.name for f in population], variants, ks, draws, seed)
                path = out_dir / ROWS_DIR / task / f"{folder.name}.json"
                bar.set_postfix_str(f"{folder.name} {task}")
                found = cached_rows(path, wanted)
                if found is None:
                    for needed in (folder, *population):
                        if needed not in loaded:
                            loaded[needed] = calibration_subject(needed, task, representations)
                    found = held_out_rows(loaded[folder], [loaded[f] for f in population], variants, ks, draws, seed)
                    document = {"settings": wanted, "rows": [r._asdict() for r in found]}
                    atomic_write_text(path, json.dumps(document, indent=2))
                rows.setdefault(task, []).extend(found)
                bar.update(1)
    return CalibrationRun(rows, skipped + extra_skipped)
