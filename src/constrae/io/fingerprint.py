"""What a run was trained on: each data file's size and SHA-256, and a hash of the config.

Stored in the run folder when training starts, checked by ``resume``: a run continued on
other data, or under an edited config.json, is not the run it claims to be.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

from constrae.core.config import DataConfig, RunConfig
from constrae.errors import CheckpointError

CHUNK_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def data_files(data: DataConfig) -> list[Path]:
    """The files a data source reads; none for generated data (its parameters are in the config)."""
    population = [name for files in data.subjects or [] for name in files]
    return [Path(name) for name in ([data.path] if data.path else []) + list(data.paths or []) + population]


def config_sha256(config: RunConfig) -> str:
    """Hash of the config's canonical form: layout changes of config.json do not count, values do."""
    return hashlib.sha256(json.dumps(config.to_mapping(), sort_keys=True).encode()).hexdigest()


def fingerprint(config: RunConfig) -> dict[str, Any]:
    return {
        "config_sha256": config_sha256(config),
        "files": [
            {"path": str(p), "size": p.stat().st_size, "sha256": file_sha256(p)} for p in data_files(config.data)
        ],
    }


def check_fingerprint(stored: dict[str, Any], config: RunConfig, where: str) -> None:
    """CheckpointError naming what changed since the run started: its config or a data file."""
    try:
        config_hash, files = stored["config_sha256"], stored["files"]
        recorded = [(Path(f["path"]), int(f["size"]), str(f["sha256"])) for f in files]
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{where}: not a data fingerprint ({error!r} is missing or malformed)") from error
    if config_sha256(config) != config_hash:
        raise CheckpointError(
            f"{where}: config.json has changed since the run started; resume continues a run under the config "
            "it started with (start a new run for a new config)"
        )
    for path, size, sha256 in recorded:
        if not path.is_file():
            raise CheckpointError(f"{where}: the run's data file {path} is missing")
        now_size = path.stat().st_size
        if now_size != size or file_sha256(path) != sha256:
            raise CheckpointError(
                f"{where}: the run's data file {path} has changed since the run started "
                f"(was {size:,} bytes, sha256 {sha256[:12]}...; now {now_size:,} bytes, sha256 "
                f"{file_sha256(path)[:12]}...); resume needs the same data"
            )
