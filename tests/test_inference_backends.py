"""Every inference backend behind ``make_encoder`` gives the model's own codes, from
standardised inputs or from raw ones with the channel statistics given once."""

import numpy as np
import pytest
import torch

from constrae.core.build import build
from constrae.core.config import ModelConfig, RunConfig
from constrae.errors import UnsupportedError
from constrae.inference.encoder import Encoder
from constrae.inference.int8 import INT8_TOLERANCE
from constrae.inference.select import BACKENDS, make_encoder

CHANNELS, SAMPLES, HIDDEN = 4, 20, 12
TOLERANCE = {"fastest": 1e-5, "torch": 0.0, "numpy": 1e-5, "onnx": 1e-5, "int8": INT8_TOLERANCE}
"""Largest |codes - torch codes| relative to max |torch codes|: float32 rounding, or int8's."""


def spatiotemporal_model(activation: str = "tanh", encoder: str = "spatiotemporal"):
    params = {"channels": CHANNELS, "virtual_channels": 3, "filters": 2, "kernel": 5, "stride": 5}
    model, _ = build(
        RunConfig(
            model=ModelConfig(
                input_size=CHANNELS * SAMPLES,
                hidden_size=HIDDEN,
                encoder=encoder,
                encoder_params=params if encoder == "spatiotemporal" else {},
                activation=activation,
            )
        )
    )
    return model.eval()


def torch_codes(model, x_BN):
    with torch.no_grad():
        return model.encode(torch.from_numpy(x_BN)).numpy()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_gives_the_model_codes_from_raw_inputs(backend):
    model = spatiotemporal_model()
    rng = np.random.default_rng(0)
    standardised_BN = rng.normal(size=(6, CHANNELS * SAMPLES)).astype(np.float32)
    mean_C = rng.normal(0, 5, CHANNELS).astype(np.float32)
    std_C = rng.uniform(0.5, 3, CHANNELS).astype(np.float32)
    raw_BN = standardised_BN * np.repeat(std_C, SAMPLES) + np.repeat(mean_C, SAMPLES)
    expected_BH = torch_codes(model, standardised_BN)

    plain = make_encoder(model, backend)
    from_raw = make_encoder(model, backend, fold="temporal", channel_mean=mean_C, channel_std=std_C)
    scale = np.abs(expected_BH).max()
    for encoder, x_BN in ((plain, standardised_BN), (from_raw, raw_BN)):
        assert isinstance(encoder, Encoder)
        assert (encoder.n_features, encoder.hidden_size) == (CHANNELS * SAMPLES, HIDDEN)
        assert encoder.backend == ("numpy" if backend == "fastest" else backend)
        codes_BH = encoder.encode(x_BN)
        assert codes_BH.shape == (6, HIDDEN)
        assert np.abs(codes_BH - expected_BH).max() <= TOLERANCE[backend] * scale + 1e-6
        np.testing.assert_array_equal(encoder(x_BN[:1]), encoder.encode(x_BN[:1]))


def test_fastest_falls_back_to_torch_where_numpy_cannot_run_the_model():
    model = spatiotemporal_model(activation="linear", encoder="gaussian")
    with pytest.raises(UnsupportedError, match="NumpyEncoder cannot run encoder 'gaussian'"):
        make_encoder(model, "numpy")
    fastest = make_encoder(model)
    assert fastest.backend == "torch"
    x_BN = np.random.default_rng(1).normal(size=(3, CHANNELS * SAMPLES)).astype(np.float32)
    np.testing.assert_array_equal(fastest.encode(x_BN), torch_codes(model, x_BN))


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(UnsupportedError, match="backend 'gpu' is not one of fastest, torch, numpy, onnx, int8"):
        make_encoder(spatiotemporal_model(), "gpu")
