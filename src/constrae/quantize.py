"""int8 versions of an exported ONNX encoder, by ONNX Runtime's dynamic quantisation.

Weights of the matrix products (MatMul, Gemm) are stored as int8, one scale per
output unit; each call quantises its input on the fly. The temporal convolution of
the spatiotemporal encoder stays float32: it is a few thousand multiply-adds, and
its quantised form (ConvInteger) measured slower here than the float one.
Dynamic rather than static quantisation: measured here on one S001 window per call
(seeded default shapes of the latency benchmark, 128 calibration windows for static),
static was no faster (dense 10240 -> 256: p50 60 us either way) or slower
(spatiotemporal: 47 us against 33 us) and 3x less accurate (max error 3.2e-2 against
9.1e-3 on sigmoid codes), and it would need calibration windows.

Measured against torch on standardised windows (tests/test_inference_paths.py):
``INT8_TOLERANCE`` for bounded codes; see its docstring.
"""

import tempfile
from pathlib import Path

from constrae.export import _require
from constrae.fileio import atomic_write_bytes

QUANTISED_OPS = ("MatMul", "Gemm")

INT8_TOLERANCE = 0.05
"""Largest |int8 codes - torch codes| relative to max |torch codes| over the batch,
for the elementwise activations. topk and the locality gate may swap a unit at the
boundary of the kept set when two pre-activations are closer than the quantisation
error; their tolerance holds on the codes both keep."""


def quantize_int8(onnx_path: str | Path, output: str | Path) -> Path:
    """Write an int8 copy of the encoder at ``onnx_path`` to ``output``, atomically."""
    _require("onnx")
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
            op_types_to_quantize=list(QUANTISED_OPS),
        )
        return atomic_write_bytes(output, scratch_path.read_bytes())
