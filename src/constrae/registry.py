"""Name -> class registries for plug-in families (constraints, activations)."""

from collections.abc import Callable
from typing import Generic, TypeVar

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
                raise ValueError(
                    f"{self.kind} {name!r} is already registered "
                    f"(by {self._entries[name].__qualname__})"
                )
            self._entries[name] = cls
            cls.registered_name = name
            return cls

        return add

    def get(self, name: str) -> type[T]:
        if name not in self._entries:
            raise ConfigError(
                f"unknown {self.kind} {name!r}; allowed: {', '.join(self.names())}"
            )
        return self._entries[name]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries
