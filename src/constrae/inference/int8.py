"""int8 versions of an exported ONNX encoder, by ONNX Runtime's dynamic quantisation.

Weights of the matrix products (MatMul, Gemm) are stored as int8, one scale per
output unit; each call quantises its input on the fly to uint8 (DynamicQuantizeLinear)
and multiplies with MatMulInteger. The temporal convolution of the spatiotemporal
encoder stays float32: it is a few thousand multiply-adds, and its quantised form
(ConvInteger) measured slower here than the float one.

Why 7-bit weights (``reduce_range``): on x86-64 without VNNI (AVX2, and AVX-512 without
AVX512-VNNI), ONNX Runtime's uint8 x int8 kernels multiply with VPMADDUBSW, which adds
each pair of neighbouring products along the inner dimension into a *saturating* int16.
With full-range int8 weights a pair reaches 255 * 127 * 2 = 64770 > 32767, so sums are
clipped and the codes go wrong: on such a CPU the int8 codes were off by 5-40 % of
the largest code, and topk kept the wrong units. With weights in [-64, 64] a pair is at
most 255 * 128 = 32640, so no input can saturate it and every x86-64 CPU computes the
exact integer product; VNNI (VPDPBUSD) and ARM64 (SDOT/UDOT, or widening multiplies)
never saturate. ``check_pairs_fit_int16`` proves this for each file written.
The price is one bit of weight precision (measured on the variants of
tests/test_inference_paths.py: see INT8_TOLERANCE).

Dynamic rather than static quantisation: measured here on one S001 window per call,
static was no faster and 3x less accurate, and would need calibration windows.
"""

import tempfile
from pathlib import Path

import numpy as np

from constrae.errors import CheckpointError
from constrae.inference.onnx_backend import _require
from constrae.io.atomic import atomic_write_bytes

QUANTISED_OPS = ("MatMul", "Gemm")

INT16_MAX = 32767
UINT8_MAX = 255

INT8_TOLERANCE = 0.05
"""Largest |int8 codes - torch codes| relative to max |torch codes| over the batch,
for the elementwise activations. topk and the locality gate may swap a unit at the
boundary of the kept set when two pre-activations are closer than the quantisation
error; their tolerance holds on the codes both keep."""


def quantize_int8(onnx_path: str | Path, output: str | Path) -> Path:
    """Write an int8 copy of the encoder at ``onnx_path`` to ``output``, atomically."""
    onnx = _require("onnx")
    quantization = _require("onnxruntime.quantization")
    output = Path(output)
    # quantize_dynamic writes to a path; it goes to a scratch folder and lands in one rename.
    with tempfile.TemporaryDirectory(dir=output.parent if output.parent.exists() else None) as scratch:
        scratch_path = Path(scratch) / "int8.onnx"
        quantization.quantize_dynamic(
            str(onnx_path),
            str(scratch_path),
            weight_type=quantization.QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            op_types_to_quantize=list(QUANTISED_OPS),
        )
        check_pairs_fit_int16(onnx.load(str(scratch_path)), where=str(output))
        return atomic_write_bytes(output, scratch_path.read_bytes())


def integer_weights(model_proto) -> dict[str, np.ndarray]:
    """The int8 weight matrix (k, n) of every MatMulInteger node, by node name."""
    numpy_helper = _require("onnx.numpy_helper")
    initializers = {init.name: init for init in model_proto.graph.initializer}
    weights = {}
    for node in model_proto.graph.node:
        if node.op_type == "MatMulInteger" and node.input[1] in initializers:
            weights[node.name or node.output[0]] = numpy_helper.to_array(initializers[node.input[1]])
    return weights


def check_pairs_fit_int16(model_proto, where: str) -> None:
    """CheckpointError unless no pair of neighbouring uint8 x int8 products along the inner
    dimension can leave int16: 255 * (|w_k| + |w_k+1|) <= 32767 for every weight pair."""
    for name, weight_KN in integer_weights(model_proto).items():
        magnitude_KN = np.abs(weight_KN.astype(np.int32))
        if len(magnitude_KN) % 2:
            magnitude_KN = np.vstack([magnitude_KN, np.zeros_like(magnitude_KN[:1])])
        worst = int((magnitude_KN[0::2] + magnitude_KN[1::2]).max()) * UINT8_MAX
        if worst > INT16_MAX:
            raise CheckpointError(
                f"{where}: int8 weights of {name} can overflow int16 on CPUs without VNNI "
                f"(a pair of products reaches {worst} > {INT16_MAX}); quantise with 7-bit weights"
            )
