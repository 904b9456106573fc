"""AE variants of the decode benchmark: a variant that learns from another's trained model
gets that model, trained first on the same windows; a bad teacher is refused by name."""

from dataclasses import replace

import numpy as np
import pytest

from constrae.bench.variants import AEVariant, select_variants, train_autoencoder, training_order
from constrae.constraints.distillation import Teacher, code_distance
from constrae.errors import ConfigError

TINY_TRAIN = {"epochs": 1, "batch_size": 32, "val_fraction": 0.0}


def variant(name: str, teacher: str | None = None, hook=None) -> AEVariant:
    return AEVariant(name, "tangent_space", {"hidden_size": 4}, [], TINY_TRAIN, teacher, hook)


def keep(config, teacher_model):
    return config


def test_teachers_train_before_their_students_and_the_rest_keep_their_order():
    variants = [variant("student", "teacher", keep), variant("a"), variant("teacher", "a", keep), variant("b")]
    assert [v.name for v in training_order(variants)] == ["a", "b", "teacher", "student"]


@pytest.mark.parametrize(
    ("make_variants", "message"),
    [
        (lambda: [variant("a"), variant("a")], r"unique; given more than once: a"),
        (lambda: [variant("a", "nobody", keep)], r"teacher is not a variant of this benchmark: 'a' -> 'nobody'"),
        (lambda: [variant("a", "b", keep), variant("b", "a", keep)], r"a cycle\): a, b"),
        (lambda: [variant("a", "a", keep)], r"'a': teacher names the variant itself"),
        (lambda: [variant("a", "b")], r"'a': teacher and with_teacher go together"),
        (lambda: [variant("a", None, keep)], r"'a': teacher and with_teacher go together"),
    ],
)
def test_a_bad_teacher_is_refused_by_name(make_variants, message):
    with pytest.raises(ConfigError, match=message):
        training_order(make_variants())


def test_the_hook_gets_the_trained_teacher_and_its_config_is_the_one_trained():
    X = np.random.default_rng(0).normal(size=(64, 6)).astype(np.float32)
    teacher_model = train_autoencoder(variant("teacher"), X)
    seen = []

    def twice_the_teacher(config, teacher):
        seen.append(teacher)
        return replace(config, model=replace(config.model, hidden_size=2 * teacher.config.hidden_size))

    student = train_autoencoder(
        variant("student", "teacher", twice_the_teacher), X, Teacher(teacher_model, None, "teacher")
    )
    assert seen == [teacher_model] and not teacher_model.training
    assert student.config.hidden_size == 8 and student.config.input_size == 6
    with pytest.raises(ConfigError, match=r"'student' needs the trained model of 'teacher'"):
        train_autoencoder(variant("student", "teacher", twice_the_teacher), X)


def test_a_distillation_term_gets_the_fold_teacher_and_pulls_the_codes_towards_it():
    X = np.random.default_rng(0).normal(size=(128, 6)).astype(np.float32)
    teacher = Teacher(train_autoencoder(variant("teacher"), X), None, "teacher")
    distilled = AEVariant(
        "student",
        "tangent_space",
        {"hidden_size": 4},
        [{"name": "distillation", "teacher": "teacher", "lam": 10.0}],
        {**TINY_TRAIN, "epochs": 40, "lr": 1e-2},
        "teacher",
        keep,
    )
    plain = AEVariant("plain", "tangent_space", {"hidden_size": 4}, [], {**TINY_TRAIN, "epochs": 40, "lr": 1e-2})
    assert code_distance(train_autoencoder(distilled, X, teacher), teacher, X) < 0.5 * code_distance(
        train_autoencoder(plain, X), teacher, X
    )
    with pytest.raises(ConfigError, match="'student': its distillation term needs a teacher"):
        train_autoencoder(replace(distilled, teacher=None, with_teacher=None), X)


def test_a_selected_student_brings_its_teacher_and_an_unknown_name_lists_the_known():
    variants = [variant("a"), variant("teacher"), variant("student", "teacher", keep)]
    assert [v.name for v in select_variants(["student"], variants)] == ["teacher", "student"]
    assert select_variants([], variants) == variants
    with pytest.raises(ConfigError, match="unknown variant 'b'; known: a, teacher, student"):
        select_variants(["b"], variants)
