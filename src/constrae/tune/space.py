"""The search space of a campaign, read from YAML and checked before any trial runs.

A trial's RunConfig is ``base`` with every drawn ``params`` value written at its
dotted path (``train.lr``, ``model.activation_params.k``) and the constraints that the
trial switched on appended to ``base.constraints``. Trial parameter names: the dotted
path; ``use.<constraint>`` for a constraint's on/off switch; ``<constraint>.<param>``
for its hyper-parameters, which exist only when it is on.
"""

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from constrae.core.config import RunConfig, read_yaml_mapping, relative_to_config
from constrae.errors import ConfigError
from constrae.io.mappings import from_dict, require
from constrae.tune.evaluation import EvaluationConfig
from constrae.tune.params import ParamSpec, parse_param, satisfied

OBJECTIVES = {"fvu": "minimize", "l0": "minimize", "latency_us": "minimize", "accuracy": "maximize"}
"""What a campaign can optimise, with its direction."""
EPOCH_MEASURES = ("fvu", "l0")
"""Objectives measured on the validation split after every epoch, so pruners can use them."""


@dataclass
class ConstraintChoice:
    """A constraint a trial may switch on, with its searched or fixed hyper-parameters."""

    name: str
    """Registered constraint name (see constrae.constraints)."""
    required: bool = False
    """Always on instead of switched on or off by the trial."""
    params: dict[str, Any] = field(default_factory=dict)
    """Hyper-parameter -> a fixed value or a range {type, low, high, ...}."""
    when: dict[str, Any] = field(default_factory=dict)
    """Parent parameter -> value(s) for which the constraint is considered at all."""


@dataclass
class SearchSpace:
    objectives: list[str]
    """Objectives to optimise: fvu, l0, latency_us, accuracy; several give a Pareto front."""
    base: dict[str, Any] = field(default_factory=dict)
    """A RunConfig mapping with the fixed settings (model, loss, constraints, train, data)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Dotted RunConfig path -> range {type, low, high, log, step, choices, when}; drawn in order."""
    constraints: list[ConstraintChoice] = field(default_factory=list)
    """Constraints to search over."""
    limits: dict[str, float] = field(default_factory=dict)
    """Measure -> budget: a trial above it is infeasible (Optuna's trial.set_constraint)."""
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    """How accuracy is measured: a linear probe on labelled data, or EEG decoding."""
    pruner: Literal["none", "median", "hyperband"] = "none"
    """Stop bad trials early from each epoch's validation score (single fvu or l0 objective)."""
    sampler: Literal["tpe", "nsga2", "random"] = "tpe"
    """Optuna sampler."""
    seed: int = 0
    """Sampler seed."""

    def __post_init__(self) -> None:
        require(bool(self.objectives), "objectives", f"name at least one of: {', '.join(OBJECTIVES)}")
        for i, name in enumerate([*self.objectives, *self.limits]):
            where = f"objectives[{i}]" if i < len(self.objectives) else f"limits.{name}"
            require(name in OBJECTIVES, where, f"unknown objective {name!r}; allowed: {', '.join(OBJECTIVES)}")
        require(len(set(self.objectives)) == len(self.objectives), "objectives", "names an objective twice")
        if self.pruner != "none":
            require(
                len(self.objectives) == 1 and self.objectives[0] in EPOCH_MEASURES,
                "pruner",
                f"needs a single objective among {', '.join(EPOCH_MEASURES)} (Optuna prunes single-objective "
                f"studies only, on values measured each epoch); objectives are {self.objectives}",
            )
        raw, self.params = self.params, {}
        for path, value in raw.items():
            self.params[path] = self._param(path, value)
        names = [choice.name for choice in self.constraints]
        for i, name in enumerate(names):
            require(
                name not in names[:i],
                f"constraints[{i}]",
                f"{name!r} is listed twice; its trial parameters (use.{name}, {name}.<param>) would collide",
            )
        for i, choice in enumerate(self.constraints):
            earlier = {f"use.{c.name}": [True] if c.required else [True, False] for c in self.constraints[:i]}
            self._check_constraint(choice, f"constraints[{i}] ({choice.name})", earlier)
        self._check_evaluation()
        self._check_base()

    @classmethod
    def from_mapping(cls, mapping: Any, where: str = "space") -> "SearchSpace":
        return from_dict(cls, mapping, where)

    @property
    def directions(self) -> list[str]:
        return [OBJECTIVES[name] for name in self.objectives]

    @property
    def measures(self) -> list[str]:
        """Everything a trial must measure: objectives, then limited measures."""
        return list(dict.fromkeys([*self.objectives, *self.limits]))

    def _param(self, path: str, value: Any) -> ParamSpec:
        where = f"params.{path}"
        spec = parse_param(value, where)
        if spec is None:
            raise ConfigError(
                f"{where}: expected a range {{type: int|float|categorical, ...}}; fixed values go in base"
            )
        section, _, rest = path.partition(".")
        sections = {f.name: f for f in dataclasses.fields(RunConfig)}
        require(section in sections, where, f"unknown section {section!r}; allowed: {', '.join(sections)}")
        require(section != "constraints", where, "search constraints in the constraints list, not in params")
        if rest and section in ("model", "train", "data"):
            head = rest.split(".")[0]
            owner: Any = sections[section].default_factory
            names = [f.name for f in dataclasses.fields(owner)]
            require(head in names, where, f"unknown key {head!r} in {section}; allowed: {', '.join(names)}")
        self._check_parents(spec, where, switches={})
        return spec

    def _check_parents(self, spec: ParamSpec, where: str, switches: dict[str, list[bool]]) -> None:
        """A parent must be drawn before: a parameter declared earlier, or (for a constraint) an
        earlier constraint's switch; and the values named must be ones the parent can take."""
        declared = list(self.params)
        for parent in spec.when:
            possible: list[Any] | None
            if parent in switches:
                possible = switches[parent]
            else:
                require(
                    parent in declared,
                    f"{where}.when",
                    f"parent {parent!r} is not a searched parameter declared before it; "
                    f"declared: {', '.join([*declared, *switches]) or '(none)'}",
                )
                parent_spec = self.params[parent]
                possible = parent_spec.bounds() if parent_spec.type == "categorical" else None
            for value in spec.allowed_parent_values(parent):
                require(
                    possible is None or value in possible,
                    f"{where}.when.{parent}",
                    f"{value!r} is not a value {parent} can take; allowed: {possible}",
                )

    def _check_constraint(self, choice: ConstraintChoice, where: str, switches: dict[str, list[bool]]) -> None:
        """Build the constraint at each searched parameter's bounds, so its own validate() checks the range."""
        from constrae.constraints import build_constraint, constraints

        try:
            constraints.get(choice.name)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None
        self._check_parents(ParamSpec("categorical", choices=[0], when=choice.when), where, switches)
        specs = {key: parse_param(value, f"{where}.params.{key}") for key, value in choice.params.items()}
        lows = {key: spec.bounds()[0] if spec else choice.params[key] for key, spec in specs.items()}
        for key, spec in specs.items():
            require(
                spec is None or not spec.when,
                f"{where}.params.{key}.when",
                "constraint parameters exist when their constraint is on; put conditions on the constraint",
            )
            for bound in spec.bounds() if spec else []:
                try:
                    build_constraint({"name": choice.name, **lows, key: bound}, where)
                except ConfigError as error:
                    raise ConfigError(f"{where}.params.{key} = {bound!r}: {error}") from None
        build_constraint({"name": choice.name, **lows}, where)

    def _check_evaluation(self) -> None:
        base = RunConfig.from_mapping(self.base, "base")
        if self.evaluation.kind == "eeg":
            require(
                "data" not in self.base,
                "base.data",
                "evaluation kind eeg reads evaluation.subject or evaluation.recordings; remove base.data",
            )
        elif "accuracy" in self.measures:
            require(
                base.data.source in ("shapes", "mnist"),
                "base.data.source",
                f"accuracy by linear probe needs labelled data (shapes or mnist), got {base.data.source!r}",
            )
            require(
                base.train.val_fraction > 0,
                "base.train.val_fraction",
                "accuracy by linear probe is scored on the validation split; set it > 0",
            )
        if self.pruner != "none":
            require(
                base.train.val_fraction > 0, "base.train.val_fraction", "pruning reads validation scores; set it > 0"
            )

    def _check_base(self) -> None:
        """base alone, and base with each parameter at each bound, is a RunConfig: its parents are set to
        allow it, and each conditional parameter that then exists is at its first bound."""
        RunConfig.from_mapping(self.base, "base")
        for path, spec in self.params.items():
            for bound in spec.bounds():
                values = {**self._parents_for(spec), path: bound}
                for other, other_spec in self.params.items():
                    if other not in values and other_spec.when and satisfied(other_spec, values):
                        values[other] = other_spec.bounds()[0]
                try:
                    RunConfig.from_mapping(self.apply(values, []), "base")
                except ConfigError as error:
                    raise ConfigError(f"params.{path} = {bound!r}: {error}") from None

    def _parents_for(self, spec: ParamSpec) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for parent in spec.when:
            if parent in self.params:
                values.update(self._parents_for(self.params[parent]))
                values[parent] = spec.allowed_parent_values(parent)[0]
        return values

    def apply(self, values: dict[str, Any], extra_constraints: list[dict]) -> dict[str, Any]:
        """``base`` with ``values`` written at their dotted paths and ``extra_constraints`` appended."""
        mapping = copy.deepcopy(self.base)
        for path, value in values.items():
            if path not in self.params:
                continue
            *parents, leaf = path.split(".")
            node = mapping
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        mapping["constraints"] = [*mapping.get("constraints", []), *extra_constraints]
        return mapping

    def suggest(self, trial) -> RunConfig:
        """Draw one trial's RunConfig (conditional parameters only where their parents allow)."""
        values: dict[str, Any] = {}
        for path, spec in self.params.items():
            if satisfied(spec, values):
                values[path] = spec.suggest(trial, path)
        switched_on = []
        for choice in self.constraints:
            if not satisfied(ParamSpec("categorical", choices=[0], when=choice.when), values):
                continue
            on = choice.required or trial.suggest_categorical(f"use.{choice.name}", [True, False])
            values[f"use.{choice.name}"] = on
            if on:
                params = {}
                for key, value in choice.params.items():
                    spec = parse_param(value, key)
                    params[key] = spec.suggest(trial, f"{choice.name}.{key}") if spec else value
                switched_on.append({"name": choice.name, **params})
        return RunConfig.from_mapping(self.apply(values, switched_on), f"trial {trial.number}")


def load_space(path: str | Path) -> SearchSpace:
    """Read and check a search space; relative data paths resolve against its folder."""
    path = Path(path)
    mapping = read_yaml_mapping(path)
    data = mapping.get("base", {}).get("data", {}) if isinstance(mapping.get("base"), dict) else {}
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        data["path"] = relative_to_config(path, data["path"])
    evaluation = mapping.get("evaluation")
    if isinstance(evaluation, dict) and isinstance(evaluation.get("subject"), str):
        evaluation["subject"] = relative_to_config(path, evaluation["subject"])
    if isinstance(evaluation, dict) and isinstance(evaluation.get("recordings"), list):
        evaluation["recordings"] = [
            relative_to_config(path, name) if isinstance(name, str) else name for name in evaluation["recordings"]
        ]
    try:
        return from_dict(SearchSpace, mapping, str(path))
    except ConfigError as error:
        message = str(error)
        raise ConfigError(message if message.startswith(str(path)) else f"{path}: {message}") from None
