"""One searched hyper-parameter: its range or choices, and the condition under which it exists."""

from dataclasses import dataclass, field
from typing import Any, Literal

from constrae.errors import ConfigError
from constrae.io.mappings import from_dict, require


@dataclass
class ParamSpec:
    """A range or a set of choices; ``when`` makes it conditional on other parameters."""

    type: Literal["int", "float", "categorical"]
    """int and float draw from [low, high]; categorical draws one of choices."""
    low: float | None = None
    """Lower bound (int, float)."""
    high: float | None = None
    """Upper bound, included (int, float)."""
    log: bool = False
    """Draw on a log scale (needs low > 0)."""
    step: float | None = None
    """Grid step (int, float; not with log)."""
    choices: list[Any] | None = None
    """The values a categorical parameter takes (numbers, strings, booleans)."""
    when: dict[str, Any] = field(default_factory=dict)
    """Parent parameter -> the value (or list of values) for which this one exists."""

    def __post_init__(self) -> None:
        if self.type == "categorical":
            require(bool(self.choices), "choices", "a categorical parameter needs a non-empty list of choices")
            require(self.low is None and self.high is None, "low", "categorical parameters take choices, not low/high")
            return
        require(self.low is not None and self.high is not None, "low", f"a {self.type} parameter needs low and high")
        require(self.choices is None, "choices", f"a {self.type} parameter takes low/high, not choices")
        low, high = self.range()
        require(low < high, "high", f"must be > low ({low}), got {high}")
        require(not self.log or low > 0, "log", f"a log range needs low > 0, got {low}")
        require(not (self.log and self.step), "step", "cannot be combined with log")
        if self.type == "int":
            for name in ("low", "high"):
                value = getattr(self, name)
                require(float(value).is_integer(), name, f"an int parameter needs an integer, got {value}")

    def range(self) -> tuple[float, float]:
        """(low, high) of an int or float parameter (validation made sure both are set)."""
        if self.low is None or self.high is None:
            raise ConfigError(f"a {self.type} parameter needs low and high")
        return self.low, self.high

    def bounds(self) -> list[Any]:
        """The extreme values a trial can draw: low and high, or every choice."""
        if self.type == "categorical":
            return list(self.choices or [])
        low, high = self.range()
        if self.type == "int":
            return [int(low), int(high)]
        return [low, high]

    def allowed_parent_values(self, parent: str) -> list[Any]:
        wanted = self.when[parent]
        return list(wanted) if isinstance(wanted, list) else [wanted]

    def suggest(self, trial, name: str) -> Any:
        if self.type == "categorical":
            return trial.suggest_categorical(name, self.choices)
        low, high = self.range()
        if self.type == "int":
            return trial.suggest_int(name, int(low), int(high), step=int(self.step or 1), log=self.log)
        return trial.suggest_float(name, low, high, step=self.step, log=self.log)


def parse_param(value: Any, where: str) -> ParamSpec | None:
    """A ParamSpec from a mapping with a ``type`` key; None for a fixed value."""
    if not (isinstance(value, dict) and "type" in value):
        return None
    try:
        return from_dict(ParamSpec, value, where)
    except ConfigError as error:
        message = str(error)
        raise ConfigError(message if message.startswith(where) else f"{where}.{message}") from None


def satisfied(spec: ParamSpec, values: dict[str, Any]) -> bool:
    """Whether every parent of ``spec`` was drawn with one of the values it names."""
    return all(parent in values and values[parent] in spec.allowed_parent_values(parent) for parent in spec.when)
