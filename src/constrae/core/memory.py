"""Will a model fit in this machine's memory? Asked before any weight is allocated,
because Linux overcommits: a model too large can allocate, then be killed mid-way."""

import os
from pathlib import Path

import torch

from constrae.errors import ConfigError

BYTES_PER_PARAMETER = 4
"""float32 weights."""


def available_memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Memory the kernel says a new allocation can use (MemAvailable), or None where unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_model_fits(build_on_meta, where: str, available: int | None = None) -> int:
    """Parameters of the module ``build_on_meta()`` makes, counted on torch's meta device (no
    memory); ConfigError naming ``where`` when their float32 weights exceed the available memory."""
    with torch.device("meta"):
        parameters = sum(p.numel() for p in build_on_meta().parameters())
    available = available_memory_bytes() if available is None else available
    needed = parameters * BYTES_PER_PARAMETER
    if available is not None and needed > available:
        raise ConfigError(
            f"{where}: the model has {parameters:,} parameters ({needed / 2**30:,.1f} GiB of weights), "
            f"more than the {available / 2**30:,.1f} GiB of memory available"
        )
    return parameters
