"""Nested state (optimiser state dicts, RNG states) as safetensors + JSON, no pickle.

Tensors go into the safetensors body; everything else (numbers, strings, the
nesting itself) into a JSON skeleton kept in the file's metadata, where a tensor
is ``{"$tensor": key}`` and a dict, whose keys may be ints, is
``{"$dict": [[key, value], ...]}``.
"""

import json
from typing import Any

import torch
from safetensors.torch import load, save

from constrae.io.safetensors_file import read_arrays


def encode_tree(tree: Any, tensors: dict[str, torch.Tensor], key: str) -> Any:
    """JSON skeleton of ``tree``; its tensors are added to ``tensors`` under ``key/...``."""
    if isinstance(tree, torch.Tensor):
        tensors[key] = tree.detach().clone().contiguous()
        return {"$tensor": key}
    if isinstance(tree, dict):
        return {"$dict": [[k, encode_tree(v, tensors, f"{key}/{k}")] for k, v in tree.items()]}
    if isinstance(tree, (list, tuple)):
        return [encode_tree(v, tensors, f"{key}/{i}") for i, v in enumerate(tree)]
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    raise TypeError(f"cannot store {type(tree).__name__} at {key}")


def decode_tree(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(skeleton, dict) and "$tensor" in skeleton:
        return tensors[skeleton["$tensor"]]
    if isinstance(skeleton, dict):
        return {k: decode_tree(v, tensors) for k, v in skeleton["$dict"]}
    if isinstance(skeleton, list):
        return [decode_tree(v, tensors) for v in skeleton]
    return skeleton


def dump_state(trees: dict[str, Any], fmt: str) -> bytes:
    """Serialise named trees to safetensors bytes tagged with format ``fmt``."""
    tensors: dict[str, torch.Tensor] = {}
    skeleton = {name: encode_tree(tree, tensors, name) for name, tree in trees.items()}
    return save(tensors, metadata={"format": fmt, "skeleton": json.dumps(skeleton)})


def read_safetensors(path, data: bytes) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file; CheckpointError names a bad file."""
    return read_arrays(path, data, load)


def load_state(path, data: bytes, fmt: str) -> dict[str, Any]:
    tensors, metadata = read_arrays(path, data, load, fmt)
    skeleton = json.loads(metadata["skeleton"])
    return {name: decode_tree(tree, tensors) for name, tree in skeleton.items()}
