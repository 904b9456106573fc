"""A teacher for terms that compare a model with another run (distillation), in tests that build every term."""

import torch

from constrae.constraints import Constraint
from constrae.constraints.distillation import Teacher
from constrae.core.model import Autoencoder


def give_teacher(constraint: Constraint, student: Autoencoder) -> None:
    """A term that names a teacher run gets one: a differently seeded model of the student's shape."""
    if constraint.teacher_run() is not None:
        torch.manual_seed(99)
        constraint.use_teacher(Teacher(Autoencoder(student.config), None, "a test teacher"), student)
