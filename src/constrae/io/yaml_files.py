"""Reading YAML configuration files strictly: a key given twice, an empty file or a file
that cannot be read is a ConfigError naming the file and the line."""

from pathlib import Path
from typing import Any

import yaml

from constrae.errors import ConfigError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                if key in first_line:
                    raise ConfigError(f"key {key!r} is given twice, at lines {first_line[key]} and {line}")
                first_line[key] = line
            except TypeError:
                continue  # an unhashable key: SafeLoader's own error names it below
        return super().construct_mapping(node, deep=deep)


def read_yaml_mapping(path: str | Path) -> dict[Any, Any]:
    """The YAML mapping in ``path``; ConfigError names a missing, unreadable, empty or invalid file,
    or one whose document is not a mapping."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read as UTF-8 text: {error}") from error
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506  (a SafeLoader subclass)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if document is None:
        raise ConfigError(f"{path} is empty; write at least one section (e.g. model:) or pass another file")
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (key: value lines), got {type(document).__name__}")
    return document
