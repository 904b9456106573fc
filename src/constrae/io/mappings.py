"""Build typed dataclasses from plain mappings (YAML/JSON), naming any bad key.

Every config in constrae is a dataclass; this module is the single place that
turns untrusted mappings into them, so error messages read the same everywhere.
"""

import dataclasses
import types
import typing
from typing import Any, Literal, TypeVar

from constrae.errors import ConfigError

D = TypeVar("D")


def from_dict(cls: type[D], mapping: Any, where: str) -> D:
    """Build dataclass ``cls`` from ``mapping``; ``where`` names it in errors."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(mapping).__name__}")
    fields = {f.name: f for f in dataclasses.fields(typing.cast(Any, cls)) if f.init}
    unknown = sorted(set(mapping) - set(fields), key=str)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in mapping.items():
        values[name] = _convert(value, hints[name], f"{where}.{name}")
    missing = [
        name
        for name, f in fields.items()
        if name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{where}: missing required key {missing[0]!r}")
    return cls(**values)


def to_dict(config: Any) -> dict[str, Any]:
    """Plain-data view of a config dataclass (tuples become lists)."""
    return {f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config) if f.init}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _convert(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _convert(value, option, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[0])
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            raise ConfigError(f"{where}: {value!r} is not allowed; allowed: {allowed}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item = args[0] if args else Any
        return [_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return from_dict(typing.cast(type, hint), value, where)
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, str):
            # PyYAML reads "1e-3" (no dot) as a string.
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{where}: unsupported config type {hint!r}")


def require(condition: bool, where: str, message: str) -> None:
    """Raise a ConfigError naming ``where`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(f"{where}: {message}")


def require_count(value: object, where: str, minimum: int) -> None:
    """Raise a ConfigError naming ``where`` unless ``value`` is an integer >= ``minimum``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    require(ok, where, f"must be an integer >= {minimum}, got {value!r}")


def samples_per_channel(input_size: int, channels: int, where: str) -> int:
    """The samples of each channel in a flat channel-major window, refusing a width ``channels`` does not divide."""
    require(
        isinstance(channels, int) and channels >= 1 and input_size % channels == 0,
        where,
        f"input_size={input_size} is not a multiple of channels={channels}",
    )
    return input_size // channels
