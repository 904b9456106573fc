"""Each constraint's value and gradient against an independent computation."""

import torch
from torch.func import jacrev

from constrae.constraints import build_constraint
from constrae.core.config import ModelConfig
from constrae.core.model import Autoencoder


def model64(activation="sigmoid", hidden=7, inputs=5, **params) -> Autoencoder:
    torch.manual_seed(0)
    return Autoencoder(
        ModelConfig(input_size=inputs, hidden_size=hidden, activation=activation, activation_params=params)
    ).double()


def test_kl_sparsity_gradient_matches_the_seeds_delta_term():
    rho, beta = 0.05, 4.0
    model = model64()
    kl = build_constraint({"name": "kl_sparsity", "rho": rho, "beta": beta})
    kl.attach(model)
    x_BN = torch.rand(11, 5, dtype=torch.float64)
    (grad_W,) = torch.autograd.grad(kl.penalty(model, model(x_BN)), model.encoder.weight)

    with torch.no_grad():
        h_BH = torch.sigmoid(x_BN @ model.encoder.weight.T + model.encoder.bias)
        rho_hat_H = h_BH.mean(dim=0)
        delta_H = beta * (-rho / rho_hat_H + (1 - rho) / (1 - rho_hat_H))
        # d rho_hat_i / d W_ij = (1/b) sum_b h_bi (1 - h_bi) x_bj
        expected_HN = delta_H[:, None] * (h_BH * (1 - h_BH)).T @ x_BN / len(x_BN)
    torch.testing.assert_close(grad_W, expected_HN, rtol=1e-10, atol=1e-12)


def test_kl_sparsity_running_estimate_mixes_past_batches():
    model = model64()
    kl = build_constraint({"name": "kl_sparsity", "rho": 0.1, "running": True, "momentum": 0.5})
    kl.attach(model)
    first, second = torch.rand(8, 5, dtype=torch.float64), torch.rand(8, 5, dtype=torch.float64)
    kl.double()
    kl.penalty(model, model(first))
    with torch.no_grad():
        mean_first = model.encode(first).mean(0)
        mean_second = model.encode(second).mean(0)
    expected = 0.5 * (0.5 * 0.1 + 0.5 * mean_first) + 0.5 * mean_second
    torch.testing.assert_close(kl.rho_hat(model.encode(second)), expected)


def autograd_frobenius(model, x_BN):
    return torch.stack([jacrev(lambda x: model.encode(x[None])[0])(x).pow(2).sum() for x in x_BN])


def test_contractive_closed_form_equals_autograd_jacobian():
    for activation in ("sigmoid", "tanh"):
        model = model64(activation)
        contractive = build_constraint({"name": "contractive", "lam": 1.0})
        x_BN = torch.randn(6, 5, dtype=torch.float64)
        closed_form = contractive.jacobian_norms(model, model(x_BN))
        torch.testing.assert_close(closed_form, autograd_frobenius(model, x_BN), rtol=0, atol=1e-6)


def test_contractive_uses_exact_jacobian_for_topk_and_gates():
    model = model64("topk", hidden=7, k=3)
    contractive = build_constraint({"name": "contractive", "lam": 1.0})
    x_BN = torch.randn(6, 5, dtype=torch.float64)
    norms = contractive.jacobian_norms(model, model(x_BN))
    torch.testing.assert_close(norms, autograd_frobenius(model, x_BN), rtol=0, atol=1e-9)
    # TopK is linear on its support: ||J||^2 = sum of squared kept weight rows.
    kept_BH = model.encode(x_BN) != 0
    expected = (kept_BH.double() @ model.encoder.weight.pow(2).sum(1)).detach()
    torch.testing.assert_close(norms.detach(), expected)


def test_weight_decay_gradient_is_lambda_w_and_skips_biases():
    model = model64()
    decay = build_constraint({"name": "weight_decay", "lam": 0.3})
    value = decay.penalty(model, None)
    expected = 0.15 * (model.encoder.weight.pow(2).sum() + model.decoder.weight.pow(2).sum())
    torch.testing.assert_close(value, expected)
    grads = torch.autograd.grad(value, [model.encoder.weight, model.encoder.bias], allow_unused=True)
    torch.testing.assert_close(grads[0], 0.3 * model.encoder.weight)
    assert grads[1] is None


def test_l1_codes_gradient_is_lambda_sign_over_batch():
    model = model64("tanh")
    l1 = build_constraint({"name": "l1_codes", "lam": 0.2})
    out = model(torch.randn(4, 5, dtype=torch.float64))
    (grad,) = torch.autograd.grad(l1.penalty(model, out), out.codes_BH)
    torch.testing.assert_close(grad, 0.2 * out.codes_BH.sign() / 4)


def test_group_sparsity_is_the_sum_of_group_l2_norms():
    model = model64("tanh", hidden=6)
    group = build_constraint({"name": "group_sparsity", "lam": 1.0, "groups": [[0, 3], [1, 2, 5], [4]]})
    group.attach(model)
    out = model(torch.randn(3, 5, dtype=torch.float64))
    z = out.codes_BH
    expected = (
        (z[:, [0, 3]].pow(2).sum(1) + 1e-8).sqrt()
        + (z[:, [1, 2, 5]].pow(2).sum(1) + 1e-8).sqrt()
        + (z[:, [4]].pow(2).sum(1) + 1e-8).sqrt()
    ).mean()
    torch.testing.assert_close(group.penalty(model, out), expected)


def test_nonnegativity_penalises_only_negative_weights_and_projects():
    model = model64()
    nonneg = build_constraint({"name": "nonnegativity", "alpha": 2.0, "project": True})
    (grad,) = torch.autograd.grad(nonneg.penalty(model, None), model.encoder.weight)
    torch.testing.assert_close(grad, 2.0 * model.encoder.weight.clamp(max=0))
    nonneg.after_step(model)
    assert (model.encoder.weight >= 0).all() and (model.decoder.weight >= 0).all()
    assert (model.encoder.weight > 0).any()


def test_denoising_corruptions_have_the_stated_statistics():
    torch.manual_seed(0)
    x_BN = torch.rand(400, 250) * 0.8 + 0.1
    masked = build_constraint({"name": "denoising", "kind": "masking", "q": 0.25}).corrupt(x_BN)
    assert abs((masked == 0).float().mean().item() - 0.25) < 0.01
    assert torch.equal(masked[masked != 0], x_BN[masked != 0])
    noisy = build_constraint({"name": "denoising", "kind": "gaussian", "sigma": 0.3}).corrupt(x_BN)
    assert abs((noisy - x_BN).std().item() - 0.3) < 0.01
    salted = build_constraint({"name": "denoising", "kind": "salt_and_pepper", "q": 0.2}).corrupt(x_BN)
    hit = salted != x_BN
    assert abs(hit.float().mean().item() - 0.2) < 0.01
    assert set(salted[hit].unique().tolist()) == {0.0, 1.0}


def test_denoising_loss_compares_with_the_clean_input():
    from constrae.core.objective import Objective

    model = model64()
    objective = Objective("mse", [build_constraint({"name": "denoising", "q": 0.5})])
    x_BN = torch.rand(10, 5, dtype=torch.float64)
    loss = objective(model, x_BN)
    assert not torch.equal(loss.output.input_seen_BN, x_BN)
    expected = 0.5 * (loss.output.reconstruction_BN - x_BN).pow(2).sum(1).mean()
    torch.testing.assert_close(loss.terms["reconstruction"], expected)


def test_unit_norm_decoder_keeps_columns_at_norm_one_through_training():
    for tied in (False, True):
        torch.manual_seed(0)
        model = Autoencoder(ModelConfig(input_size=5, hidden_size=7, tied=tied))
        build_constraint({"name": "unit_norm_decoder"}).attach(model)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(5):
            optimizer.zero_grad()
            model(torch.randn(8, 5)).reconstruction_BN.pow(2).sum().backward()
            optimizer.step()
        torch.testing.assert_close(model.W_dec_NH.norm(dim=0), torch.ones(7))
