"""ONNX export of the inference path (x -> codes) and an ONNX Runtime encoder.

Shapes: ``b`` batch, ``n`` input features, ``h`` hidden units. The exported graph
has one input ``x`` of shape (batch, n) and one output ``codes`` of shape (batch, h),
with ``batch`` dynamic: float32 codes, or for binary units uint8 bits (0/1, one per
unit, not packed; ``constrae.discrete.bits.pack_bits`` packs them).
"""

import copy
import importlib
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from constrae.core.model import Autoencoder, InferenceEncoder
from constrae.data.loading import check_matrix
from constrae.inference.encoder import Encoder
from constrae.io.atomic import atomic_write_bytes

INPUT_NAME = "x"
OUTPUT_NAME = "codes"
BATCH_AXIS = "batch"


def export_onnx(model: Autoencoder, path: str | Path, opset: int | None = None) -> Path:
    """Write the encoder of ``model`` to ``path`` as ONNX; ``opset`` None takes the exporter's default.

    The file appears whole or not at all: the graph is serialised in memory first.
    Parametrized weights (e.g. unit_norm_decoder) are folded into constants.
    """
    _require("onnx")
    _require("onnxscript")
    # A copy, so that switching to eval mode for export leaves the caller's model as it was.
    encoder = InferenceEncoder(copy.deepcopy(model)).eval()
    # Batch 2, not 1: torch.export specialises dimensions of size 0 and 1 to constants.
    example_BN = torch.zeros(2, model.input_size)
    program = torch.onnx.export(
        encoder,
        (example_BN,),
        dynamo=True,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes=({0: torch.export.Dim(BATCH_AXIS)},),
        opset_version=opset,
        verbose=False,
    )
    if program is None:
        raise RuntimeError("torch.onnx.export returned no program with dynamo=True")
    return atomic_write_bytes(path, program.model_proto.SerializeToString())


class OnnxEncoder(Encoder):
    """Codes from an exported encoder, run by ONNX Runtime on the CPU.

    ``intra_op_num_threads`` defaults to 1: real-time decoding wants a predictable
    per-call latency more than the throughput of a thread pool.

    Example:
        >>> encode = OnnxEncoder("encoder.onnx")
        >>> codes_BH = encode(x_BN)  # float32, (b, h)
    """

    def __init__(self, path: str | Path, intra_op_num_threads: int = 1, backend: str = "onnx") -> None:
        ort = _require("onnxruntime")
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_num_threads
        self.path = Path(path)
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.n_features = self.session.get_inputs()[0].shape[1]
        self.hidden_size = self.session.get_outputs()[0].shape[1]
        self.outputs_bits = self.session.get_outputs()[0].type == "tensor(uint8)"
        self.backend = backend
        """onnx, or int8 for a quantised graph (the name ``make_encoder`` gave it)."""

    def encode(self, x_BN: np.ndarray) -> np.ndarray:
        """Codes (b, h) float32 of ``x_BN`` (b, n); DataError when n or the values are wrong."""
        x_BN = check_matrix(x_BN, f"input to {self.path.name}", self.n_features)
        # ONNX Runtime reads the buffer as laid out in C order.
        (codes_BH,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x_BN)})
        return codes_BH


def _require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f'constrae.inference.onnx_backend needs {module}; install it with: pip install "constrae[onnx]"'
        ) from error
