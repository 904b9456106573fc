"""Name -> class registries for plug-in families (constraints, activations, encoders)."""

import inspect
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from constrae.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from names to classes that refuses duplicate names.

    Example:
        >>> activations = Registry("activation")
        >>> @activations.register("identity")
        ... class Identity: ...
        >>> activations.get("identity").__name__
        'Identity'
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def add(cls: type[T]) -> type[T]:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered (by {self._entries[name].__qualname__})")
            self._entries[name] = cls
            setattr(cls, "registered_name", name)  # noqa: B010  (T is any class; the attribute is added here)
            return cls

        return add

    def get(self, name: str) -> type[T]:
        if not isinstance(name, str) or name not in self._entries:
            raise ConfigError(f"unknown {self.kind} {name!r}; allowed: {', '.join(self.names())}")
        return self._entries[name]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries


def check_params(registry: Registry[T], name: str, where: str, fixed: tuple[str, ...], params: dict) -> type[T]:
    """The class ``registry[name]``, after checking ``params`` against its constructor.

    ``fixed`` names the leading constructor arguments the caller supplies; every other
    parameter is configurable and named in the ConfigError an unknown or missing key raises.
    """
    cls = registry.get(name)
    signature = inspect.signature(cls.__init__).parameters
    allowed = [p for p in signature if p not in ("self", *fixed)]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} for {registry.kind} {name!r}; "
            f"allowed: {', '.join(allowed) or '(none)'}"
        )
    missing = [p for p in allowed if p not in params and signature[p].default is inspect.Parameter.empty]
    if missing:
        raise ConfigError(f"{where}: {registry.kind} {name!r} needs {missing[0]!r}")
    return cls


def build_registered(
    registry: Registry[T], name: str, where: str, fixed: tuple[str, ...], *args: Any, **params: Any
) -> T:
    """``registry[name](*args, **params)`` once ``check_params`` accepts ``params``."""
    return check_params(registry, name, where, fixed, params)(*args, **params)
