"""Packed binary codes: documented bit order, Hamming distances, classifiers on bits, bits from every inference path."""

import numpy as np
import pytest
import torch

from constrae.core.config import ModelConfig
from constrae.core.model import Autoencoder, InferenceEncoder
from constrae.discrete.bits import (
    BitsLogisticRegression,
    HammingNearestNeighbors,
    hamming_distances,
    pack_bits,
    unpack_bits,
)
from constrae.errors import DataError
from constrae.inference.numpy_from_torch import numpy_encoder


def test_unit_zero_is_the_most_significant_bit_and_the_last_byte_is_zero_padded():
    codes = np.zeros((2, 10), np.uint8)
    codes[0, 0] = 1
    codes[1, [7, 8, 9]] = 1
    assert pack_bits(codes).tolist() == [[0b10000000, 0], [0b00000001, 0b11000000]]
    assert pack_bits(2.0 * codes - 1).tolist() == pack_bits(codes).tolist()


def test_pack_then_unpack_gives_the_bits_back():
    bits = (np.random.default_rng(0).random((7, 21)) > 0.5).astype(np.uint8)
    assert np.array_equal(unpack_bits(pack_bits(bits), 21), bits)
    with pytest.raises(DataError, match=r"for 30 units, got uint8 \(7, 3\)"):
        unpack_bits(pack_bits(bits), 30)


def test_hamming_distances_count_the_differing_units():
    rng = np.random.default_rng(1)
    a, b = (rng.random((5, 19)) > 0.5), (rng.random((4, 19)) > 0.5)
    expected = (a[:, None, :] != b[None, :, :]).sum(axis=2)
    assert np.array_equal(hamming_distances(pack_bits(a), pack_bits(b)), expected)


def test_classifiers_on_bits_learn_a_code_that_names_the_class():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    bits = (rng.random((200, 32)) > 0.5).astype(np.uint8)
    bits[:, :6] = y[:, None]  # six units copy the class, the rest are noise
    packed = pack_bits(bits)
    assert HammingNearestNeighbors(k=3).fit(packed[:150], y[:150]).score(packed[150:], y[150:]) == 1.0
    assert BitsLogisticRegression(32).fit(packed[:150], y[:150]).score(packed[150:], y[150:]) == 1.0
    with pytest.raises(DataError, match="k=500"):
        HammingNearestNeighbors(k=500).fit(packed, y)


@pytest.mark.parametrize("make", [lambda: HammingNearestNeighbors(k=3), lambda: BitsLogisticRegression(32)])
def test_bit_classifiers_cross_validate_as_scikit_learn_classifiers(make):
    """clone, cross_val_score and a Pipeline take them; each fold scores as fitting by hand."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold, cross_val_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 90)
    bits = (rng.random((90, 32)) > 0.5).astype(np.uint8)
    bits[:, :2] = y[:, None]
    packed = pack_bits(bits)
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(make(), packed, y, cv=folds)
    by_hand = [clone(make()).fit(packed[a], y[a]).score(packed[b], y[b]) for a, b in folds.split(packed)]
    np.testing.assert_array_equal(scores, by_hand)
    assert scores.mean() > 0.6
    with pytest.raises(DataError, match="expected packed codes"):
        make().fit(bits.astype(np.float32), y)


def binary_model(**params) -> Autoencoder:
    torch.manual_seed(0)
    return Autoencoder(ModelConfig(input_size=20, hidden_size=12, activation="binary", activation_params=params)).eval()


@pytest.mark.parametrize("params", [{}, {"sign": True}, {"learn_threshold": True}])
def test_torch_and_numpy_encoders_give_the_same_uint8_bits(params):
    model = binary_model(**params)
    if model.activation.threshold_H is not None:
        with torch.no_grad():
            model.activation.threshold_H.uniform_(-0.3, 0.3)
    x_BN = torch.randn(64, 20)
    with torch.no_grad():
        bits = InferenceEncoder(model)(x_BN).numpy()
        pre_BH = model.pre_activations(x_BN)
    assert bits.dtype == np.uint8 and set(np.unique(bits)) <= {0, 1}
    assert np.array_equal(
        bits, (pre_BH >= (model.activation.threshold_H if params.get("learn_threshold") else 0)).numpy()
    )
    fast = numpy_encoder(model)
    assert np.array_equal(fast(x_BN.numpy()), bits)
    assert np.array_equal(fast(x_BN[:1].numpy()), bits[:1])


def test_exported_binary_encoder_outputs_the_same_bits(tmp_path):
    from constrae.inference.onnx_backend import OnnxEncoder, export_onnx

    model = binary_model()
    x_BN = torch.randn(256, 20)
    export_onnx(model, tmp_path / "bits.onnx")
    onnx_bits = OnnxEncoder(tmp_path / "bits.onnx")(x_BN.numpy())
    with torch.no_grad():
        torch_bits = InferenceEncoder(model)(x_BN).numpy()
        pre_BH = model.pre_activations(x_BN).numpy()
    assert onnx_bits.dtype == np.uint8
    # ONNX Runtime may sum the matmul in another order: a pre-activation within
    # rounding of the threshold may land on either side.
    clear_BH = np.abs(pre_BH) > 1e-5
    assert clear_BH.mean() > 0.99
    assert np.array_equal(onnx_bits[clear_BH], torch_bits[clear_BH])
