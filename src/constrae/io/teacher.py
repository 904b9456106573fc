"""Teacher runs for terms that compare a model with another trained run (distillation)."""

from pathlib import Path

from constrae.constraints import build_constraints
from constrae.constraints.distillation import Teacher, student_preprocessing
from constrae.core.config import RunConfig
from constrae.core.model import Autoencoder
from constrae.core.objective import Objective
from constrae.data import Preprocessing
from constrae.errors import ConfigError
from constrae.io import checkpoint, run_folder


def load_teacher(run_dir: str | Path) -> Teacher:
    """The trained model of ``run_dir`` with its preprocessing (None for a feature-matrix run)."""
    if not str(run_dir):
        raise ConfigError("distillation.teacher: name the teacher's run folder")
    model, _ = checkpoint.load_model(run_dir)
    return Teacher(model.eval(), run_folder.load_preprocessing(run_dir), str(run_dir))


def load_teachers(config: RunConfig) -> list[Teacher | None]:
    """One entry per constraint of ``config``: its loaded teacher, or None when it needs none."""
    runs = [constraint.teacher_run() for constraint in build_constraints(config.constraints)]
    return [None if run is None else load_teacher(run) for run in runs]


def teachers_preprocessing(teachers: list[Teacher | None]) -> Preprocessing | None:
    """The preprocessing a student of these teachers reads recordings with: the first
    teacher's, with raw windows; ConfigError when two teachers read recordings differently."""
    students = [student_preprocessing(teacher) for teacher in teachers if teacher is not None]
    fixed = [preprocessing for preprocessing in students if preprocessing is not None]
    if any(p.to_mapping() != fixed[0].to_mapping() for p in fixed[1:]):
        raise ConfigError("distillation.teacher: the teachers were trained with different preprocessing")
    return fixed[0] if fixed else None


def hand_over(teachers: list[Teacher | None], objective: Objective, model: Autoencoder) -> None:
    for teacher, constraint in zip(teachers, objective.constraint_list):
        if teacher is not None:
            constraint.use_teacher(teacher, model)
