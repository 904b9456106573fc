"""MOABB's within-session evaluation on local eegmmidb files: MOABB's own CSP+LDA and tangent
space + LR next to constrae's EEGAutoencoder, with nothing downloaded.

MOABB's PhysionetMI dataset looks for PhysioNet's file layout under ``MNE_DATASETS_EEGBCI_PATH``
(``MNE-eegbci-data/files/eegmmidb/1.0.0/S001/S001R04.edf``); ``local_eegbci`` links the local
subject folders into that layout in a scratch folder, so MOABB finds every file it reads there.
"""

import os
from pathlib import Path

from constrae.bench.tasks import TASKS, expected_paths
from constrae.errors import DataError

EEGBCI_LAYOUT = Path("MNE-eegbci-data/files/eegmmidb/1.0.0")
MOABB_TASKS = {"imagery_left_right": "left/right fist imagery", "imagery_fists_feet": "both fists/both feet imagery"}


def local_eegbci(subject_dirs: list[Path], task: str, scratch: Path) -> list[int]:
    """Link each subject's runs of ``task`` into PhysioNet's layout under ``scratch`` and point MNE
    and MOABB there; the subjects' numbers (S015 -> 15). DataError for a folder lacking a run."""
    numbers = []
    for folder in map(Path, subject_dirs):
        target = scratch / EEGBCI_LAYOUT / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for path in expected_paths(folder, TASKS[task].runs):
            if not path.is_file():
                raise DataError(f"{folder.name} lacks {path.name} for {task}")
            link = target / path.name
            if not link.exists():
                link.symlink_to(path.resolve())
        numbers.append(int(folder.name.lstrip("S")))
    os.environ["MNE_DATA"] = os.environ["MNE_DATASETS_EEGBCI_PATH"] = str(scratch)
    # MOABB would first ask NEMAR's mirror for the files; "upstream" reads the local layout.
    os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"
    return numbers


def moabb_pipelines(hidden_size: int = 64, pretrained: Path | None = None, sfreq: float = 160.0) -> dict:
    """MOABB's CSP+LDA and TS+LR (its pipelines/CSP.yml and TSLR.yml) and constrae's tangent-space
    AE + shrinkage LDA (the AE trained on each fold's training epochs, without labels); with
    ``pretrained`` (a run, e.g. a population run that never saw the evaluated people) also that
    run's model + shrinkage LDA, only the person's alignment fitted per fold."""
    from pyriemann.estimation import Covariances
    from pyriemann.spatialfilters import CSP
    from pyriemann.tangentspace import TangentSpace
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from constrae.estimators import EEGAutoencoder

    pipelines = {
        "CSP+LDA (MOABB)": make_pipeline(Covariances("oas"), CSP(nfilter=6), LinearDiscriminantAnalysis()),
        "TS+LR (MOABB)": make_pipeline(Covariances("oas"), TangentSpace(metric="riemann"), LogisticRegression(C=1.0)),
        "constrae AE (tangent) + LDA": make_pipeline(
            EEGAutoencoder(hidden_size=hidden_size, constraints=[{"name": "l1_codes", "lam": 1e-3}], random_state=0),
            LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
        ),
    }
    if pretrained is not None:
        pipelines["constrae pretrained AE + LDA"] = make_pipeline(
            EEGAutoencoder(pretrained=str(pretrained), sfreq=sfreq),
            LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
        )
    return pipelines


def moabb_paradigm_and_dataset(task: str, subjects: list[int]):
    """MOABB's paradigm for ``task`` and its PhysionetMI dataset reading only the task's runs."""
    from moabb.datasets import PhysionetMI
    from moabb.paradigms import LeftRightImagery, MotorImagery

    dataset = PhysionetMI(imagined=True, executed=False)
    dataset.subject_list = subjects
    if task == "imagery_left_right":
        dataset.feet_runs = []
        return LeftRightImagery(), dataset
    dataset.hand_runs = []
    return MotorImagery(events=["hands", "feet"], n_classes=2), dataset


def moabb_table_lines(results, task: str) -> list[str]:
    """Markdown: ROC-AUC per subject (rows) and pipeline (columns), then the mean over subjects."""
    table = results.pivot_table(index="subject", columns="pipeline", values="score")
    pipelines = list(table.columns)
    lines = [f"| subject ({MOABB_TASKS[task]}) | " + " | ".join(pipelines) + " |", "|" + "---|" * (len(pipelines) + 1)]
    for subject, scores in table.iterrows():
        lines.append(f"| S{int(subject):03d} | " + " | ".join(f"{scores[p]:.3f}" for p in pipelines) + " |")
    lines.append(f"| mean of {len(table)} | " + " | ".join(f"{table[p].mean():.3f}" for p in pipelines) + " |")
    return lines


def evaluate_with_moabb(subject_dirs: list[Path], task: str, scratch: Path, pipelines: dict | None = None):
    """MOABB's WithinSessionEvaluation (5-fold, ROC-AUC for two classes) of ``pipelines`` on the
    local subjects: a DataFrame with a row per (subject, session, pipeline)."""
    import mne
    from moabb.evaluations import WithinSessionEvaluation

    if task not in MOABB_TASKS:
        raise DataError(f"unknown task {task!r} for MOABB; allowed: {', '.join(MOABB_TASKS)}")
    subjects = local_eegbci(subject_dirs, task, scratch)
    paradigm, dataset = moabb_paradigm_and_dataset(task, subjects)
    mne.set_log_level("ERROR")
    evaluation = WithinSessionEvaluation(
        paradigm=paradigm, datasets=[dataset], overwrite=True, hdf5_path=str(scratch / "results"), random_state=42
    )
    return evaluation.process(pipelines or moabb_pipelines())
