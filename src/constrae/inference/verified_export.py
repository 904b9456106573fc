"""Export an encoder to ONNX (and int8) only once ONNX Runtime gives torch's codes.

Shapes: ``b`` probe rows, ``n`` inputs, ``h`` hidden units.

The files are written in a scratch folder beside the output, run with ONNX Runtime on
a probe batch, compared with the torch model, and renamed into place only when every
one agrees: a disagreement (NaN included) leaves no file behind.
"""

import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from constrae.core.model import Autoencoder, CodeGate, InferenceEncoder
from constrae.errors import CheckpointError
from constrae.inference.int8 import INT8_TOLERANCE, quantize_int8
from constrae.inference.onnx_backend import OnnxEncoder, export_onnx

FP32_TOLERANCE = 1e-4
"""Largest |onnx - torch| for the float32 graph, relative to max |torch codes| where that exceeds 1."""
FP32_BIT_TOLERANCE = 0.0
"""Fraction of bits that may differ for binary units in float32 (none)."""
INT8_BIT_TOLERANCE = 0.05
"""Fraction of bits that may differ for binary units in int8 (units near their threshold)."""
KEPT_OVERLAP = 0.75
"""topk and locality: the int8 kept set must share this fraction of units with torch's."""


class ExportedFile(NamedTuple):
    """One file the export wrote, and how far its codes were from torch's on the probe."""

    path: Path
    error: float
    """Relative max error on the codes both keep, or the fraction of differing bits."""
    tolerance: float


def code_disagreement(codes_BH: np.ndarray, expected_BH: np.ndarray, gated: bool) -> float:
    """How far ONNX codes are from torch's: the fraction of differing bits for binary units;
    else max |difference| over max(max |expected|, 1), on the codes both keep when ``gated`` (topk,
    locality: a unit at the edge of the kept set may swap). NaN anywhere gives inf."""
    if codes_BH.shape != expected_BH.shape or not np.isfinite(codes_BH.astype(np.float64)).all():
        return float("inf")
    if expected_BH.dtype == np.uint8:
        return float(np.mean(codes_BH != expected_BH))
    compared_BH = np.ones(expected_BH.shape, bool)
    if gated:
        compared_BH = (codes_BH != 0) & (expected_BH != 0)
        if compared_BH.sum(axis=1).min() < KEPT_OVERLAP * (expected_BH != 0).sum(axis=1).min():
            return float("inf")
    scale = max(float(np.abs(expected_BH).max()), 1.0)
    difference = np.abs(codes_BH.astype(np.float64) - expected_BH.astype(np.float64))[compared_BH]
    return float(difference.max(initial=0.0)) / scale


def add_metadata(path: Path, metadata: dict[str, str]) -> None:
    """Store ``metadata`` as the ONNX file's metadata_props (key -> text), replacing same keys."""
    import onnx

    proto = onnx.load(str(path))
    kept = {entry.key: entry.value for entry in proto.metadata_props if entry.key not in metadata}
    del proto.metadata_props[:]
    for key, value in {**kept, **metadata}.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))


def export_verified(
    model: Autoencoder, output: Path, int8: bool, probe_BN: np.ndarray, metadata: dict[str, str] | None = None
) -> list[ExportedFile]:
    """Write ``output`` (and ``output`` with suffix .int8.onnx) once each agrees with torch on the
    probe rows, with ``metadata`` in each file's metadata_props; CheckpointError, and nothing
    written, when one does not agree."""
    output = Path(output)
    with torch.no_grad():
        expected_BH = InferenceEncoder(model.eval())(torch.from_numpy(probe_BN)).numpy()
    if expected_BH.dtype != np.uint8 and not np.isfinite(expected_BH).all():
        raise CheckpointError(f"{output}: the model itself gives NaN/inf codes on the probe inputs; nothing written")
    bits = model.activation.outputs_bits
    gated = getattr(type(model.activation), "registered_name", "") == "topk" or type(model.gate) is not CodeGate
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{output.name}.") as scratch:
        fp32 = export_onnx(model, Path(scratch) / "encoder.onnx")
        candidates = [(fp32, output, FP32_BIT_TOLERANCE if bits else FP32_TOLERANCE, False)]
        if int8:
            candidates.append(
                (
                    quantize_int8(fp32, Path(scratch) / "encoder.int8.onnx"),
                    output.with_suffix(".int8.onnx"),
                    INT8_BIT_TOLERANCE if bits else INT8_TOLERANCE,
                    gated,
                )
            )
        checked = []
        for written, final, tolerance, compare_kept in candidates:
            error = code_disagreement(OnnxEncoder(written)(probe_BN), expected_BH, compare_kept)
            if not error <= tolerance:
                raise CheckpointError(
                    f"{final}: ONNX Runtime's codes differ from torch's by {error:.3g} (tolerance {tolerance:g}) "
                    "on the probe inputs; nothing written"
                )
            checked.append(ExportedFile(final, error, tolerance))
        for written, final, _, _ in candidates:
            if metadata:
                add_metadata(written, metadata)
            os.replace(written, final)
    return checked
