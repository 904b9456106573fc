"""ONNX Runtime, int8 ONNX and the NumPy path give torch's codes on real S001 windows."""

import numpy as np
import pytest
import torch

from constrae.bench.eeg_windows import load_imagery_windows
from constrae.core.activations import CodeActivation
from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig, TrainConfig
from constrae.core.encoders.base import CodeEncoder
from constrae.core.model import CodeGate
from constrae.core.trainer import Trainer
from constrae.errors import DataError, UnsupportedError
from constrae.inference.int8 import INT8_TOLERANCE, quantize_int8
from constrae.inference.numpy_backend import FOLDS
from constrae.inference.numpy_from_torch import numpy_encoder
from constrae.inference.onnx_backend import OnnxEncoder, export_onnx

CHANNELS, SAMPLES, HIDDEN = 64, 160, 48
ENCODERS = {
    "dense": {},
    "spatiotemporal": {"channels": CHANNELS, "virtual_channels": 8, "filters": 4, "kernel": 25, "stride": 5},
    "power": {"channels": CHANNELS, "virtual_channels": 16},
}
AFFINE_ENCODERS = ("dense", "spatiotemporal")
"""The encoders locality can gate (it needs an affine encoder)."""
ACTIVATIONS = {"sigmoid": {}, "tanh": {}, "relu": {}, "linear": {}, "topk": {"k": 12}}
VARIANTS = [(encoder, activation, []) for encoder in ENCODERS for activation in ACTIVATIONS] + [
    (encoder, "sigmoid", [{"name": "locality", "k": 10}]) for encoder in AFFINE_ENCODERS
]


@pytest.fixture(scope="module")
def windows_BN(shared_data):
    """40 standardised 1 s x 64 ch windows of S001, flat and channel-major."""
    eeg = load_imagery_windows(shared_data / "eegmmidb" / "S001", max_windows=40)
    return eeg.windows_BCT.reshape(len(eeg.windows_BCT), -1)


def trained(encoder: str, activation: str, constraints: list[dict], X_BN: np.ndarray):
    """A model trained two epochs on the windows, so its weights are past their initial values."""
    config = RunConfig(
        model=ModelConfig(
            input_size=CHANNELS * SAMPLES,
            hidden_size=HIDDEN,
            encoder=encoder,
            encoder_params=ENCODERS[encoder],
            activation=activation,
            activation_params=ACTIVATIONS[activation],
        ),
        constraints=constraints,
        train=TrainConfig(epochs=2, batch_size=16, lr=1e-3, val_fraction=0.0),
    )
    model, objective = build(config)
    Trainer(model, objective, config, progress=False).fit(torch.from_numpy(X_BN))
    return model.eval()


def torch_codes(model, x_BN: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.encode(torch.from_numpy(x_BN)).numpy()


def variant_id(variant) -> str:
    encoder, activation, constraints = variant
    return "-".join([encoder, activation] + [c["name"] for c in constraints])


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_numpy_path_matches_torch_for_every_fold_and_batch_size(variant, windows_BN):
    model = trained(*variant, windows_BN)
    folds = FOLDS if variant[0] == "spatiotemporal" else ("none",)
    for fold in folds:
        encode = numpy_encoder(model, fold=fold)
        for x_BN in (windows_BN[:7], windows_BN[7:8]):
            codes_BH = encode(x_BN)
            assert codes_BH.dtype == np.float32 and codes_BH.shape == (len(x_BN), HIDDEN)
            np.testing.assert_allclose(codes_BH, torch_codes(model, x_BN), atol=1e-5, err_msg=fold)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_folded_standardisation_takes_raw_windows(encoder, windows_BN):
    locality = [{"name": "locality", "k": 10}] if encoder in AFFINE_ENCODERS else []
    model = trained(encoder, "tanh", locality, windows_BN)
    rng = np.random.default_rng(0)
    mean_C = rng.normal(0, 20e-6, CHANNELS).astype(np.float32)
    std_C = rng.uniform(5e-6, 40e-6, CHANNELS).astype(np.float32)
    raw_BN = windows_BN[:5] * np.repeat(std_C, SAMPLES) + np.repeat(mean_C, SAMPLES)
    for fold in FOLDS if encoder == "spatiotemporal" else ("none",):
        encode = numpy_encoder(model, fold=fold, channel_mean=mean_C, channel_std=std_C)
        for x_BN, expected_BH in ((raw_BN, windows_BN[:5]), (raw_BN[:1], windows_BN[:1])):
            np.testing.assert_allclose(encode(x_BN), torch_codes(model, expected_BH), atol=1e-5, err_msg=fold)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_onnx_and_int8_match_torch(variant, windows_BN, tmp_path):
    model = trained(*variant, windows_BN)
    fp32 = export_onnx(model, tmp_path / "encoder.onnx")
    int8 = quantize_int8(fp32, tmp_path / "encoder.int8.onnx")
    x_BN = windows_BN[:20]
    expected_BH = torch_codes(model, x_BN)
    np.testing.assert_allclose(OnnxEncoder(fp32)(x_BN), expected_BH, atol=1e-5)
    np.testing.assert_allclose(OnnxEncoder(fp32)(x_BN[:1]), expected_BH[:1], atol=1e-5)
    int8_BH = OnnxEncoder(int8)(x_BN)
    # topk and locality may swap a unit at the edge of the kept set: compare where both keep it.
    both_kept = (
        (int8_BH != 0) & (expected_BH != 0) if variant[1] == "topk" or variant[2] else np.ones_like(int8_BH, bool)
    )
    assert both_kept.sum(axis=1).min() >= 0.75 * (int8_BH != 0).sum(axis=1).min()
    error = np.abs(int8_BH - expected_BH)[both_kept].max() / np.abs(expected_BH).max()
    assert error <= INT8_TOLERANCE


def test_int8_file_is_a_quarter_of_the_size_and_leaves_no_temp_file(windows_BN, tmp_path):
    model = trained("dense", "sigmoid", [], windows_BN)
    fp32 = export_onnx(model, tmp_path / "encoder.onnx")
    int8 = quantize_int8(fp32, tmp_path / "encoder.int8.onnx")
    assert int8.stat().st_size < fp32.stat().st_size / 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder.int8.onnx", "encoder.onnx"]


class Softsign(CodeActivation):
    def forward(self, pre_BH):
        return pre_BH / (1 + pre_BH.abs())


class KeepPositive(CodeGate):
    def forward(self, codes_BH, x_BN, W_enc_HN):
        return codes_BH.clamp(min=0)


class Doubled(CodeEncoder):
    def forward(self, x_BN):
        return 2 * x_BN[:, : self.hidden_size]


@pytest.mark.parametrize(
    "part, replacement, named",
    [
        ("activation", Softsign(HIDDEN), "activation 'Softsign'"),
        ("gate", KeepPositive(), "code gate KeepPositive"),
        ("encoder", Doubled(CHANNELS * SAMPLES, HIDDEN), "encoder 'Doubled'"),
    ],
)
def test_numpy_path_refuses_what_it_cannot_run_by_name(part, replacement, named):
    model, _ = build(RunConfig(model=ModelConfig(input_size=CHANNELS * SAMPLES, hidden_size=HIDDEN)))
    setattr(model, part, replacement)
    with pytest.raises(UnsupportedError, match=named):
        numpy_encoder(model)


def test_numpy_path_names_a_wrong_input_shape_and_a_bad_fold():
    model, _ = build(RunConfig(model=ModelConfig(input_size=CHANNELS * SAMPLES, hidden_size=HIDDEN)))
    with pytest.raises(DataError, match=r"has shape \(2, 10\), the model expects \(b, 10240\)"):
        numpy_encoder(model)(np.zeros((2, 10), np.float32))
    with pytest.raises(UnsupportedError, match="fold='both' is not one of none, temporal, full"):
        numpy_encoder(model, fold="both")
    with pytest.raises(DataError, match="channel_std must be finite and > 0"):
        numpy_encoder(model, channel_std=np.zeros(CHANNELS))


def test_export_command_writes_the_int8_copy_beside_the_fp32_encoder(windows_BN, tmp_path):
    from typer.testing import CliRunner

    from constrae.cli import app
    from constrae.io.checkpoint import save_model

    model = trained("dense", "sigmoid", [], windows_BN)
    save_model(tmp_path / "run", RunConfig(model=model.config), model)
    result = CliRunner().invoke(app, ["export", str(tmp_path / "run"), "-o", str(tmp_path / "encoder.onnx"), "--int8"])
    assert result.exit_code == 0, result.output
    errors = [float(line.split("max |onnx - torch| ")[1]) for line in result.output.splitlines()]
    assert errors[0] < 1e-5 and errors[1] < INT8_TOLERANCE
    codes_BH = OnnxEncoder(tmp_path / "encoder.int8.onnx")(windows_BN[:3])
    assert codes_BH.shape == (3, HIDDEN)
