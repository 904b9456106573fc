"""The autoencoders and classifiers ``constrae bench decode`` compares, and how each is trained per fold.

A new variant is one ``AEVariant`` in ``DEFAULT_VARIANTS``: a name, the representation it
reads and the ``model``, ``constraints`` and ``train`` sections of a RunConfig. A variant
that learns from another one's trained model (a distillation target, say) names it in
``teacher`` and gives ``with_teacher``, a hook that receives the variant's RunConfig and the
teacher's model trained on the same fold's windows, and returns the RunConfig to train with:

    AEVariant(
        "student (tangent)", "tangent_space", {"hidden_size": 64}, [], TRAIN,
        teacher="sparse ReLU + L1 (tangent)",
        with_teacher=lambda config, teacher_model: config_with_a_term_that_reads(teacher_model),
    )

Teachers train first in every fold (``training_order``); each variant still gets its own rows.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from constrae.constraints.distillation import Teacher
from constrae.core.build import build
from constrae.core.config import RunConfig
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer
from constrae.data.preprocessing import Representation
from constrae.errors import ConfigError

TeacherHook = Callable[[RunConfig, Autoencoder], RunConfig]
"""(the variant's RunConfig, the teacher's trained model in eval mode) -> the RunConfig to train."""


@dataclass(frozen=True)
class AEVariant:
    """One autoencoder configuration to evaluate; ``model``, ``constraints`` and ``train`` are RunConfig sections."""

    name: str
    """Row label (the table shows ``AE <name> + <classifier>``); unique within a benchmark."""
    representation: Representation
    """What the model reads: ``tangent_space`` vectors or ``raw`` filtered windows."""
    model: dict
    """RunConfig ``model`` section without ``input_size`` (set from the fold's data)."""
    constraints: list[dict]
    """RunConfig ``constraints`` section."""
    train: dict
    """RunConfig ``train`` section."""
    teacher: str | None = None
    """Name of another variant whose model, trained on the same fold, this one needs; None: none."""
    with_teacher: TeacherHook | None = None
    """Given with ``teacher`` (and only then): turns this variant's RunConfig into the one trained."""
    labelled: bool = False
    """Trained with the labels of the windows inside the fold's training trials (``UNLABELLED``
    elsewhere): for a discriminative term or a labelled initialisation. Test trials stay unseen."""

    def __post_init__(self) -> None:
        if (self.teacher is None) != (self.with_teacher is None):
            raise ConfigError(f"variant {self.name!r}: teacher and with_teacher go together (give both or neither)")
        if self.teacher == self.name:
            raise ConfigError(f"variant {self.name!r}: teacher names the variant itself")


TRAIN = {"epochs": 30, "lr": 1e-3, "batch_size": 64, "val_fraction": 0.0}
"""The train section most default variants share."""

POWER_MODEL = {
    "hidden_size": 256,
    "activation": "relu",
    "encoder": "power",
    "encoder_params": {"channels": 64, "virtual_channels": 16},
}
"""The fast model: 16 virtual channels' log-powers and correlations, as wide as the tangent-space teacher."""

CSP_POWER_MODEL = {
    "hidden_size": 16,
    "activation": "linear",
    "encoder": "power",
    "encoder_params": {
        "channels": 64,
        "virtual_channels": 4,
        "correlations": False,
        "whitening": "csp",
        "learn_spatial": False,
    },
}
"""The fast labelled model: log-powers of 4 common spatial patterns of the training trials' windows
(fixed), linear codes. Chosen on S001 and S012-S015 (5 and 10 folds) over 4, 6 and 8 patterns, with
and without correlations, ReLU, tanh and linear codes of 16 to 256 units, and a learned projection:
ReLU codes of so few log-powers lost 1-7 points to the features they read, and learning the
projection lost more; linear codes kept them."""

DEFAULT_VARIANTS = [
    AEVariant(
        "sparse ReLU + L1 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "relu"},
        [{"name": "l1_codes", "lam": 1e-3}],
        TRAIN,
    ),
    AEVariant(
        "sigmoid + KL (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "sigmoid"},
        [{"name": "kl_sparsity", "rho": 0.1, "beta": 0.1}, {"name": "weight_decay", "lam": 1e-5}],
        TRAIN,
    ),
    AEVariant(
        "k-sparse k=64 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "topk", "activation_params": {"k": 64}},
        [],
        TRAIN,
    ),
    AEVariant(
        "denoising q=0.25 + L1 (tangent)",
        "tangent_space",
        {"hidden_size": 256, "activation": "relu"},
        [{"name": "denoising", "q": 0.25}, {"name": "l1_codes", "lam": 1e-3}],
        TRAIN,
    ),
    AEVariant(
        "spatiotemporal ReLU + L1 (raw)",
        "raw",
        {
            "hidden_size": 64,
            "activation": "relu",
            "encoder": "spatiotemporal",
            "encoder_params": {"channels": 64, "virtual_channels": 8, "filters": 4, "kernel": 25, "stride": 5},
        },
        [{"name": "l1_codes", "lam": 1e-2}],
        {**TRAIN, "epochs": 10, "lr": 3e-3},
    ),
    AEVariant("power ReLU + L1 (raw)", "raw", POWER_MODEL, [{"name": "l1_codes", "lam": 1e-3}], TRAIN),
    AEVariant(
        "power distilled from sparse ReLU + L1 (raw)",
        "raw",
        POWER_MODEL,
        [{"name": "distillation", "teacher": "sparse ReLU + L1 (tangent)", "lam": 1.0}],
        TRAIN,
        teacher="sparse ReLU + L1 (tangent)",
        with_teacher=lambda config, teacher_model: config,
    ),
    AEVariant(
        "power CSP-4 fixed, linear, semi-supervised (raw)",
        "raw",
        CSP_POWER_MODEL,
        [{"name": "l1_codes", "lam": 1e-3}, {"name": "discriminative", "lam": 1.0, "n_classes": 2}],
        TRAIN,
        labelled=True,
    ),
]
"""The constraint sets of the default table; every one is a plain RunConfig."""

CLASSIFIERS: dict[str, Callable] = {
    "LDA": lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    "LR": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
}
"""Linear classifiers on the AE features (shrinkage LDA; L2 logistic regression). Each must be
linear, alone or after StandardScaler steps, so that ``linear_decision`` can deploy it as a dot product."""


def variant_config(variant: AEVariant, n_features: int) -> RunConfig:
    return RunConfig.from_mapping(
        {
            "model": {**variant.model, "input_size": n_features},
            "constraints": variant.constraints,
            "train": variant.train,
        }
    )


def train_autoencoder(
    variant: AEVariant, X_train: np.ndarray, teacher: Teacher | None = None, labels_W: np.ndarray | None = None
) -> Autoencoder:
    """The variant's model trained on ``X_train`` (windows, features), in eval mode; ``teacher`` is
    ``variant.teacher`` trained on the same fold, with its preprocessing: its model goes to
    ``variant.with_teacher``, and the teacher itself to every term that names a teacher run.
    ``labels_W`` (one per window) goes to the trainer when the variant is ``labelled``."""
    config = variant_config(variant, X_train.shape[1])
    if variant.with_teacher is not None:
        if teacher is None:
            raise ConfigError(f"variant {variant.name!r} needs the trained model of {variant.teacher!r}")
        config = variant.with_teacher(config, teacher.model)
    model, objective = build(config)
    for term in objective.constraint_list:
        if term.teacher_run() is not None:
            if teacher is None:
                raise ConfigError(f"variant {variant.name!r}: its {term.registered_name} term needs a teacher")
            term.use_teacher(teacher, model)
    labels = None
    if variant.labelled:
        if labels_W is None:
            raise ConfigError(f"variant {variant.name!r} is labelled: give the training windows' labels")
        labels = torch.from_numpy(labels_W)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X_train), y_B=labels)
    return model.eval()


def training_order(variants: list[AEVariant]) -> list[AEVariant]:
    """``variants`` with every teacher before the variants that learn from it (otherwise in the
    given order); ConfigError names a repeated name, an unknown teacher or teachers in a cycle."""
    names = [v.name for v in variants]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(f"variant names must be unique; given more than once: {', '.join(repeated)}")
    unknown = [f"{v.name!r} -> {v.teacher!r}" for v in variants if v.teacher is not None and v.teacher not in names]
    if unknown:
        raise ConfigError(f"teacher is not a variant of this benchmark: {', '.join(unknown)}")
    ordered: list[AEVariant] = []
    pending = list(variants)
    while pending:
        trained = {v.name for v in ordered}
        ready = [v for v in pending if v.teacher is None or v.teacher in trained]
        if not ready:
            raise ConfigError(
                f"variants wait on each other as teachers (a cycle): {', '.join(v.name for v in pending)}"
            )
        ordered += ready
        pending = [v for v in pending if v.name not in {r.name for r in ready}]
    return ordered


def select_variants(names: list[str], variants: list[AEVariant]) -> list[AEVariant]:
    """The variants named (all when ``names`` is empty), with the teachers they learn from;
    ConfigError names an unknown variant and lists the known ones."""
    if not names:
        return list(variants)
    by_name = {v.name: v for v in variants}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ConfigError(f"unknown variant {', '.join(map(repr, unknown))}; known: {', '.join(by_name)}")
    chosen = set(names)
    while missing := {by_name[n].teacher for n in chosen if by_name[n].teacher not in (None, *chosen)}:
        chosen |= {name for name in missing if name is not None}
    return [v for v in variants if v.name in chosen]
