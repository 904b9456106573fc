import dataclasses

import torch

from constrae.constraints.base import Constraint, constraints
from constrae.errors import ConfigError
from constrae.io.mappings import require


def gaussian_kl_to_standard(mean_BH: torch.Tensor, log_variance_BH: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag sigma^2) || N(0, I)) per row: 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)."""
    return 0.5 * (mean_BH.pow(2) + log_variance_BH.exp() - 1 - log_variance_BH).sum(dim=1)


@constraints.register("gaussian_kl")
@dataclasses.dataclass(eq=False, repr=False)
class GaussianKL(Constraint):
    """Omega = beta * mean_b KL(q(z | x_b) || N(0, I)), the closed form for a diagonal
    gaussian posterior (Kingma & Welling, 2014, appendix B; seed 004, "Variational
    Autoencoders"). With the reconstruction as -log p(x | z) (``loss: cross_entropy``
    for Bernoulli pixels) the total is the negative ELBO; beta != 1 is the beta-VAE
    (Higgins et al., 2017). Needs a stochastic encoder such as ``gaussian``.
    """

    needs_posterior = True

    beta: float = 1.0

    def validate(self) -> None:
        require(self.beta >= 0, "gaussian_kl.beta", f"must be >= 0, got {self.beta}")

    def attach(self, model) -> None:
        if not model.encoder.stochastic:
            raise ConfigError(
                f"gaussian_kl needs a stochastic encoder (a posterior q(z | x)); "
                f"encoder {model.config.encoder!r} is deterministic; allowed: gaussian"
            )

    def penalty(self, model, out):
        return self.beta * gaussian_kl_to_standard(*out.posterior).mean()
