import dataclasses

import torch
from torch.func import jacrev, vmap

from constrae.constraints.base import Constraint, constraints
from constrae.core.model import CodeGate
from constrae.io.mappings import require

_JACOBIAN_CHUNK = 64


@constraints.register("contractive")
@dataclasses.dataclass(eq=False, repr=False)
class Contractive(Constraint):
    """Omega = lam * mean_b ||J_x h(x_b)||_F^2, J the encoder Jacobian dh/dx
    (Rifai et al., 2011; seed 004, "Contractive Autoencoders").

    For an elementwise activation s with h = s(W x + b), J = diag(s'(a)) W, so
    ||J||_F^2 = sum_i s'(a_i)^2 sum_j W_ij^2 (for sigmoid s' = h (1 - h)).
    Activations without an elementwise derivative (TopK), gated codes and
    non-affine encoders use the exact Jacobian from autograd instead, in chunks.
    """

    lam: float = 0.1

    def validate(self) -> None:
        require(self.lam >= 0, "contractive.lam", f"must be >= 0, got {self.lam}")

    def penalty(self, model, out):
        return self.lam * self.jacobian_norms(model, out).mean()

    def jacobian_norms(self, model, out) -> torch.Tensor:
        """||J_x h(x_b)||_F^2 for every row b of the batch."""
        derivative_BH = model.activation.derivative(out.pre_activations_BH, out.codes_BH)
        W_enc_HN = model.encoder.affine_weight_HN()
        if derivative_BH is not None and W_enc_HN is not None and type(model.gate) is CodeGate:
            row_norms_H = W_enc_HN.pow(2).sum(dim=1)
            return derivative_BH.pow(2) @ row_norms_H
        return autograd_jacobian_norms(model, out.input_seen_BN)


def autograd_jacobian_norms(model, x_BN: torch.Tensor) -> torch.Tensor:
    """Exact ||dh/dx||_F^2 per row via torch.func, differentiable in the weights."""
    jacobian = vmap(jacrev(lambda x_N: model.encode(x_N.unsqueeze(0)).squeeze(0)))
    return torch.cat([jacobian(chunk).pow(2).sum(dim=(1, 2)) for chunk in x_BN.split(_JACOBIAN_CHUNK)])
