"""k-sparse codes: TopK activation and the locality gate."""

import numpy as np
import torch

from constrae.constraints import build_constraint
from constrae.core.config import ModelConfig
from constrae.core.model import Autoencoder


def test_topk_codes_have_exactly_k_nonzeros_per_row_at_the_largest_preactivations():
    torch.manual_seed(0)
    model = Autoencoder(ModelConfig(input_size=20, hidden_size=50, activation="topk", activation_params={"k": 7}))
    x_BN = torch.randn(64, 20)
    with torch.no_grad():
        out = model(x_BN)
    assert ((out.codes_BH != 0).sum(dim=1) == 7).all()
    kept = out.codes_BH != 0
    smallest_kept = out.pre_activations_BH.masked_fill(~kept, float("inf")).min(dim=1).values
    largest_dropped = out.pre_activations_BH.masked_fill(kept, -float("inf")).max(dim=1).values
    assert (smallest_kept > largest_dropped).all()
    torch.testing.assert_close(out.codes_BH[kept], out.pre_activations_BH[kept])


def test_locality_gate_keeps_exactly_the_k_nearest_weight_vectors():
    torch.manual_seed(0)
    model = Autoencoder(ModelConfig(input_size=6, hidden_size=30, activation="sigmoid"))
    build_constraint({"name": "locality", "k": 4}).attach(model)
    x_BN = torch.randn(25, 6)
    with torch.no_grad():
        codes = model.encode(x_BN).numpy()
    W = model.encoder.weight.detach().numpy()
    distances = np.linalg.norm(x_BN.numpy()[:, None, :] - W[None, :, :], axis=2)
    nearest = np.argsort(distances, axis=1)[:, :4]
    for row in range(len(codes)):
        assert set(np.flatnonzero(codes[row])) == set(nearest[row])
