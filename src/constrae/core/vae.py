"""Generating with a trained variational autoencoder. Shapes: ``b`` samples, ``h`` latent units, ``n`` features."""

import torch

from constrae.core.model import Autoencoder


@torch.no_grad()
def sample_prior(model: Autoencoder, n_samples: int, seed: int = 0) -> torch.Tensor:
    """x = decode(z) for z ~ N(0, I): ``n_samples`` new samples (b, n) in the data's shape."""
    z_BH = torch.randn(n_samples, model.config.hidden_size, generator=torch.Generator().manual_seed(seed))
    return model.decode(z_BH)
