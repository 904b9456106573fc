"""Atomic file writes: a reader sees the old file or the new one, never half of one.

A write goes to a temporary file beside its target, named ``.<target>.constrae-<random>.tmp``,
and is renamed over it. Only files of that pattern are ever cleaned up, so a user's own
``.*.tmp`` files are never touched.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from constrae.errors import OutputError

TEMP_MARK = ".constrae-"
"""Between a target's name and the random part of its temporary files' names."""


def _new_file_mode() -> int:
    """What open() would give a new file: 0o666 minus the umask (temp files get 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def temp_files_of(path: Path) -> list[Path]:
    """Temporary files constrae left beside ``path`` (a writer killed before its rename)."""
    return sorted(path.parent.glob(f".{path.name}{TEMP_MARK}*.tmp"))


def check_output_file(path: str | Path, inputs: tuple[str | Path, ...] = ()) -> Path:
    """``path`` if a file can be written there; OutputError when it is a folder, is one of
    ``inputs``, or sits under a parent that is a file or cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give the name of a file to write")
    for source in inputs:
        if Path(source).exists() and path.exists() and path.samefile(source):
            raise OutputError(f"{path} is also an input ({source}); writing it would destroy the input")
    parent = next((p for p in path.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: {parent} is not writable")
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}{TEMP_MARK}", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from error
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _new_file_mode())
        os.replace(handle.name, path)
    except BaseException as error:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from error
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def new_folder(out: Path) -> Iterator[Path]:
    """A staging folder beside ``out`` to fill in the block: renamed to ``out`` when the block
    ends, removed when it raises, so ``out`` appears whole or not at all."""
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
