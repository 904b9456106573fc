"""A safetensors file read with any array library (torch for models, NumPy for serving without
torch): its arrays and its metadata, the format it declares checked, a bad file named."""

import json
from collections.abc import Callable

from safetensors import SafetensorError

from constrae.errors import CheckpointError


def read_arrays(
    path, data: bytes, load: Callable[[bytes], dict], fmt: str | None = None
) -> tuple[dict, dict[str, str]]:
    """``load(data)`` (``safetensors.torch.load`` or ``safetensors.numpy.load``) and the file's
    metadata; CheckpointError for a file that does not parse or, with ``fmt``, declares another format."""
    try:
        arrays = load(data)
        header_length = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_length]).get("__metadata__", {})
    except (SafetensorError, ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is not a readable safetensors file (truncated or corrupt?): {error}") from error
    if fmt is not None and metadata.get("format") != fmt:
        raise CheckpointError(f"{path}: expected format {fmt!r}, found {metadata.get('format')!r}")
    return arrays, metadata
