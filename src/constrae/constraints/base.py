"""The constraint interface and its registry.

A constraint is a small dataclass ``nn.Module`` whose fields are its
hyper-parameters. The trainer knows only this interface; it never asks which
constraint it holds. Every hook has a do-nothing default:

- ``attach(model)``: check compatibility with the model, add buffers, gates or
  parametrizations (runs once, before weights are loaded);
- ``corrupt(x)``: transform the input seen during training;
- ``penalty(model, out)``: a scalar added to the loss (``has_penalty = False``
  when the constraint adds none); with ``needs_labels = True`` it is called as
  ``penalty(model, out, targets=y_B)``, the batch's class indices;
- ``after_step(model)``: a projection after each optimiser step;
- ``on_epoch_start(epoch)``: before every training epoch (schedules);
- ``observe_training_rows(rows)``: once per ``Trainer.fit``, before the first epoch,
  with every input row in its original order and which rows train (terms over a
  graph of the samples); only called when ``needs_training_rows = True``;
- ``metrics(model, out)``: extra scalars logged with the validation metrics;
- ``teacher_run()`` / ``use_teacher(teacher, model)``: a term that compares the model with
  another trained run names that run's folder; the run that trains loads it and hands it over.
"""

import dataclasses
from typing import Any, ClassVar, NamedTuple

import torch
from torch import nn

from constrae.core.model import Autoencoder, AutoencoderOutput
from constrae.core.registry import Registry
from constrae.io.mappings import from_dict, to_dict

constraints: Registry["Constraint"] = Registry("constraint")


class TrainingRows(NamedTuple):
    """What a constraint over the samples sees of the training data."""

    X_BN: torch.Tensor
    """Every input row, in the order given to ``Trainer.fit`` (time order for recordings)."""
    train_index_B: torch.Tensor
    """Indices of the rows that train (the rest are the validation split)."""
    segment_starts: list[int]
    """First row of each contiguous segment (recording); [0] for one series."""


@dataclasses.dataclass(eq=False, repr=False)
class Constraint(nn.Module):
    registered_name: ClassVar[str]
    has_penalty: ClassVar[bool] = True
    """False for constraints that act only through hooks (corruption, projection)."""
    needs_labels: ClassVar[bool] = False
    """True for discriminative terms: ``penalty`` takes ``targets``, so training needs labels."""
    needs_posterior: ClassVar[bool] = False
    """True for terms on a gaussian posterior: the model's encoder must be ``stochastic``."""
    needs_affine_encoder: ClassVar[bool] = False
    """True when it uses the encoder's affine weight: ``attach`` refuses encoders without one."""
    needs_training_rows: ClassVar[bool] = False
    """True for terms over the samples themselves: ``observe_training_rows`` must run before ``penalty``."""

    def __post_init__(self) -> None:
        super().__init__()
        self.validate()

    def validate(self) -> None:
        """Raise ConfigError when a hyper-parameter is out of range."""

    def attach(self, model: Autoencoder) -> None:
        """Prepare for ``model``; raise ConfigError when they do not fit."""

    def corrupt(self, x_BN: torch.Tensor) -> torch.Tensor:
        return x_BN

    def penalty(self, model: Autoencoder, out: AutoencoderOutput) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} adds no penalty")

    def after_step(self, model: Autoencoder) -> None:
        """Runs after every optimiser step."""

    def on_epoch_start(self, epoch: int) -> None:
        """Runs before every training epoch (0-based)."""

    def observe_training_rows(self, rows: TrainingRows) -> None:
        """Receives the training data once per fit (``needs_training_rows``)."""

    def teacher_run(self) -> str | None:
        """The run folder of a teacher model this term needs, or None."""
        return None

    def use_teacher(self, teacher: Any, student: Autoencoder) -> None:
        """Receives the loaded teacher (``constrae.constraints.distillation.Teacher``) of ``teacher_run``."""
        raise NotImplementedError(f"{type(self).__name__} takes no teacher")

    def metrics(self, model: Autoencoder, out: AutoencoderOutput) -> dict[str, float]:
        """Scalars to log on evaluation data, by name; none by default."""
        return {}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.registered_name, **to_dict(self)}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in to_dict(self).items())


def build_constraint(spec: Any, where: str = "constraints") -> Constraint:
    """Build one constraint from ``{name: ..., <params>}``."""
    from constrae.errors import ConfigError

    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError(f"{where}: expected a mapping with a 'name' key, got {spec!r}")
    params = {k: v for k, v in spec.items() if k != "name"}
    cls = constraints.get(spec["name"])
    return from_dict(cls, params, f"{where} ({spec['name']})")


def build_constraints(specs: list[Any]) -> list[Constraint]:
    return [build_constraint(spec, f"constraints[{i}]") for i, spec in enumerate(specs)]
