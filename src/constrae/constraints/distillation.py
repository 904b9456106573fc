"""Distillation: a fast encoder learns to give the codes of a slow, accurate run.

Shapes: ``b`` batch, ``n`` student inputs (``c`` channels x ``w`` samples), ``h`` hidden units.
"""

import dataclasses
from typing import NamedTuple

import numpy as np
import torch

from constrae.constraints.base import Constraint, constraints
from constrae.core.model import Autoencoder
from constrae.data.preprocessing import Preprocessing
from constrae.errors import ConfigError
from constrae.io.mappings import require


class Teacher(NamedTuple):
    """A trained model and how it reads a student's input."""

    model: Autoencoder
    preprocessing: Preprocessing | None
    """The teacher's preprocessing: the student's windows are standardised with it, and a
    tangent-space teacher maps them to its own inputs with it. None: the teacher reads
    the student's rows as they are (a feature-matrix run)."""
    source: str
    """Where it came from, for messages."""

    def inputs(self, x_BN: torch.Tensor) -> torch.Tensor:
        """The teacher's input rows for the student's rows (standardised windows, channel-major)."""
        if self.preprocessing is None or self.preprocessing.config.representation == "raw":
            return x_BN
        channels = len(self.preprocessing.channels)
        windows_BCW = x_BN.detach().numpy().reshape(len(x_BN), channels, -1)
        return torch.from_numpy(self.preprocessing.represent(windows_BCW))

    @torch.no_grad()
    def codes(self, x_BN: torch.Tensor) -> torch.Tensor:
        return self.model.eval().encode(self.inputs(x_BN))


def student_preprocessing(teacher: Teacher) -> Preprocessing | None:
    """The teacher's preprocessing with raw windows as model inputs: the student reads the
    same channels, filter, window and standardisation, so only the representation differs."""
    if teacher.preprocessing is None:
        return None
    config = dataclasses.replace(teacher.preprocessing.config, representation="raw")
    return dataclasses.replace(teacher.preprocessing, config=config, reference_inv_sqrt_CC=None, tangent_scale=1.0)


@constraints.register("distillation")
@dataclasses.dataclass(eq=False, repr=False)
class Distillation(Constraint):
    """Omega = lam * (1/b) sum_b (1/2) ||z_b - z_T(x_b)||^2: the student's codes z pulled
    towards the codes z_T a teacher run gives for the same window, without labels (the
    autoencoder replaces the slow feature extraction, seed 000).

    ``teacher`` names the teacher's run folder; the run that trains the student loads it
    (``teacher_run``) and reads the recordings with the teacher's preprocessing, so a
    tangent-space teacher sees exactly the windows the student sees. Student and teacher
    must have the same number of hidden units.
    """

    teacher: str = ""
    lam: float = 1.0

    def validate(self) -> None:
        require(self.lam >= 0, "distillation.lam", f"must be >= 0, got {self.lam}")

    def teacher_run(self) -> str:
        return self.teacher

    def use_teacher(self, teacher: Teacher, student: Autoencoder) -> None:
        """Hold ``teacher`` for the penalty; ConfigError when its codes cannot be compared with the student's."""
        if teacher.model.config.hidden_size != student.config.hidden_size:
            raise ConfigError(
                f"distillation.teacher: {teacher.source} has {teacher.model.config.hidden_size} hidden units, "
                f"the student {student.config.hidden_size}; they must be equal"
            )
        if teacher.preprocessing is not None:
            expected = student_preprocessing(teacher)
            if expected is not None and expected.n_features != student.input_size:
                raise ConfigError(
                    f"distillation.teacher: {teacher.source} reads windows of {expected.n_features} samples "
                    f"({len(expected.channels)} channels), the student takes {student.input_size} inputs"
                )
        for parameter in teacher.model.parameters():
            parameter.requires_grad_(False)
        self._teacher = teacher

    def penalty(self, model, out):
        teacher: Teacher | None = getattr(self, "_teacher", None)
        if teacher is None:
            raise ConfigError(
                "distillation: no teacher loaded; train through `constrae train` (which loads "
                "distillation.teacher) or call use_teacher first"
            )
        codes_BH = teacher.codes(out.input_seen_BN)
        return self.lam * 0.5 * (out.codes_BH - codes_BH).pow(2).sum(dim=1).mean()


def code_distance(student: Autoencoder, teacher: Teacher, x_BN: np.ndarray) -> float:
    """Mean squared distance per window between student and teacher codes."""
    x = torch.from_numpy(np.ascontiguousarray(x_BN, dtype=np.float32))
    with torch.no_grad():
        return float((student.eval().encode(x) - teacher.codes(x)).pow(2).sum(dim=1).mean())
