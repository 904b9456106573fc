"""The int8 encoder computes exact integer products on every CPU, whatever this host has.

ONNX Runtime's uint8 x int8 kernels on x86-64 without VNNI add neighbouring products
along the inner dimension into a saturating int16 (VPMADDUBSW). These tests read the
integer operands of every MatMulInteger of a quantised encoder on real S001 windows
and check, in NumPy: that this host's ONNX Runtime returned the exact integer product
(so the test fails on any machine whose int8 arithmetic is wrong), that the pairwise
int16 arithmetic of a non-VNNI CPU gives the same exact product for our format, and
that it does not for full-range int8 weights (so the emulation can tell).
"""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from constrae.bench.eeg_windows import load_imagery_windows
from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.trainer import Trainer
from constrae.errors import CheckpointError
from constrae.inference.cpu_features import INT8_KERNELS, cpu_flags, int8_kernel
from constrae.inference.int8 import check_pairs_fit_int16, quantize_int8
from constrae.inference.onnx_backend import export_onnx

CHANNELS, SAMPLES, HIDDEN = 64, 160, 48
ENCODERS = {
    "dense": {},
    "spatiotemporal": {"channels": CHANNELS, "virtual_channels": 8, "filters": 4, "kernel": 25, "stride": 5},
}


@pytest.fixture(scope="module")
def windows_BN(shared_data):
    eeg = load_imagery_windows(shared_data / "eegmmidb" / "S001", max_windows=20)
    return eeg.windows_BCT.reshape(len(eeg.windows_BCT), -1)


@pytest.fixture(scope="module", params=list(ENCODERS))
def fp32_encoder(request, windows_BN, tmp_path_factory):
    """An encoder trained two epochs on the windows (weights past their initial values), exported."""
    config = RunConfig(
        model=ModelConfig(
            input_size=CHANNELS * SAMPLES,
            hidden_size=HIDDEN,
            encoder=request.param,
            encoder_params=ENCODERS[request.param],
            activation="tanh",
        ),
        train=TrainConfig(epochs=2, batch_size=10, lr=1e-3, val_fraction=0.0),
    )
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(windows_BN))
    return export_onnx(model.eval(), tmp_path_factory.mktemp(request.param) / "encoder.onnx")


def full_range_int8(fp32_path, output):
    """The format constrae used before: full-range int8 weights (what saturates without VNNI)."""
    quantize_dynamic(
        str(fp32_path),
        str(output),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gemm"],
    )
    return output


def integer_operands(int8_path, x_BN):
    """(A uint8 (m, k), its zero point, B int8 (k, n), B's zero points, ORT's int32 product (m, n))
    of every MatMulInteger, as ONNX Runtime on this host computed them for ``x_BN``."""
    model = onnx.load(str(int8_path))
    nodes = [node for node in model.graph.node if node.op_type == "MatMulInteger"]
    assert nodes, "the int8 graph has no MatMulInteger"
    initializers = {init.name: onnx.numpy_helper.to_array(init) for init in model.graph.initializer}
    exposed = [name for node in nodes for name in (node.input[0], node.input[2], node.output[0])]
    model.graph.output.extend(onnx.helper.make_empty_tensor_value_info(name) for name in exposed)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    values = dict(zip(exposed, session.run(exposed, {"x": x_BN}), strict=True))
    for node in nodes:
        B_KN = initializers[node.input[1]]
        A_MK = values[node.input[0]].reshape(-1, B_KN.shape[0])
        zero_B = initializers[node.input[3]] if len(node.input) > 3 and node.input[3] else np.zeros(1, np.int8)
        yield A_MK, int(values[node.input[2]]), B_KN, zero_B, values[node.output[0]].reshape(len(A_MK), -1)


def exact_product(A_MK, zero_A, B_KN, zero_B):
    return (A_MK.astype(np.int64) - zero_A) @ (B_KN.astype(np.int64) - zero_B.astype(np.int64))


def pairwise_int16_product(A_MK, zero_A, B_KN):
    """What VPMADDUBSW computes: u8 x s8 products, neighbours along k added into a saturating
    int16, the pairs summed in int32; then the zero point of A taken out (B symmetric)."""
    if len(B_KN) % 2:
        A_MK, B_KN = np.pad(A_MK, ((0, 0), (0, 1))), np.pad(B_KN, ((0, 1), (0, 0)))
    products_MKN = A_MK.astype(np.int32)[:, :, None] * B_KN.astype(np.int32)[None]
    pairs_MPN = np.clip(products_MKN[:, 0::2] + products_MKN[:, 1::2], -32768, 32767)
    return pairs_MPN.sum(axis=1, dtype=np.int64) - zero_A * B_KN.astype(np.int64).sum(axis=0)


def test_this_hosts_int8_products_are_exact_and_no_cpu_can_saturate_them(fp32_encoder, windows_BN, tmp_path):
    int8_path = quantize_int8(fp32_encoder, tmp_path / "encoder.int8.onnx")
    for A_MK, zero_A, B_KN, zero_B, ort_MN in integer_operands(int8_path, windows_BN):
        assert np.abs(B_KN.astype(np.int32)).max() <= 64, "weights are not 7-bit"
        exact_MN = exact_product(A_MK, zero_A, B_KN, zero_B)
        np.testing.assert_array_equal(
            ort_MN, exact_MN, err_msg=f"ONNX Runtime's int8 product is wrong on this CPU ({int8_kernel(cpu_flags())})"
        )
        assert not zero_B.any()
        np.testing.assert_array_equal(pairwise_int16_product(A_MK, zero_A, B_KN), exact_MN)


def test_full_range_weights_saturate_the_pairwise_arithmetic_on_real_windows(fp32_encoder, windows_BN, tmp_path):
    int8_path = full_range_int8(fp32_encoder, tmp_path / "full_range.int8.onnx")
    wrong = [
        np.any(pairwise_int16_product(A_MK, zero_A, B_KN) != exact_product(A_MK, zero_A, B_KN, zero_B))
        for A_MK, zero_A, B_KN, zero_B, _ in integer_operands(int8_path, windows_BN)
    ]
    assert any(wrong), "the emulation cannot tell: full-range weights should saturate int16 pairs here"


def test_a_file_whose_pairs_can_overflow_int16_is_refused_by_name(fp32_encoder, tmp_path):
    model = onnx.load(str(full_range_int8(fp32_encoder, tmp_path / "full_range.int8.onnx")))
    with pytest.raises(CheckpointError, match=r"full_range\.int8\.onnx: int8 weights of .* can overflow int16"):
        check_pairs_fit_int16(model, where="full_range.int8.onnx")


@pytest.mark.parametrize(
    "flags, named",
    [
        ({"avx2", "avx512bw", "avx512_vnni"}, "AVX512-VNNI"),
        ({"avx2", "avx_vnni"}, "AVX-VNNI"),
        ({"avx2", "avx512bw"}, "AVX512BW without VNNI"),
        ({"sse4_1", "avx2"}, "AVX2 (VPMADDUBSW"),
        ({"asimd", "asimddp"}, "ARM64 dot product"),
        ({"asimd"}, "ARM64 NEON"),
        (set(), "unknown"),
    ],
)
def test_the_int8_kernel_is_named_from_the_cpu_flags(flags, named):
    assert int8_kernel(frozenset(flags)).startswith(named)


def test_cpu_flags_come_from_the_flags_or_features_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512_vnni\n\nprocessor\t: 1\n")
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "avx512_vnni"}
    cpuinfo.write_text("processor\t: 0\nFeatures\t: fp asimd asimddp\n")
    assert cpu_flags(cpuinfo) == {"fp", "asimd", "asimddp"}
    assert cpu_flags(tmp_path / "missing") == frozenset()
    assert all(flag == flag.lower() for flag, _ in INT8_KERNELS)
