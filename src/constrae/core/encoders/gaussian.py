"""The gaussian encoder of a variational autoencoder (Kingma & Welling, 2014; seed 004).

Shapes: ``b`` batch, ``n`` inputs, ``h`` latent units, ``m`` units of the hidden layer.
"""

import torch
from torch import nn

from constrae.core.encoders.base import CodeDecoder, CodeEncoder, Posterior, encoders
from constrae.io.mappings import require_count


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers of the given widths with relu between them (none after the last)."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def linear_weights(module: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in module.modules() if isinstance(m, nn.Linear)]


class MlpDecoder(CodeDecoder):
    """x_hat = W_2 relu(W_1 z + b_1) + b_2 (one hidden layer of m units; none when m = 0)."""

    def __init__(self, hidden_size: int, trunk_size: int, output_size: int) -> None:
        super().__init__()
        self.net = mlp([hidden_size, trunk_size, output_size] if trunk_size else [hidden_size, output_size])

    def forward(self, codes_BH: torch.Tensor) -> torch.Tensor:
        return self.net(codes_BH)

    def weight_matrices(self):
        return linear_weights(self)

    def dictionary(self):
        # Column i of the first layer is what unit i adds; fixing its norm removes z's scale freedom.
        return self.net[0], "weight", 0


@encoders.register("gaussian")
class GaussianEncoder(CodeEncoder):
    """q(z | x) = N(mu(x), diag(exp(log_var(x)))) with t = relu(W_1 x + b_1) (m = ``trunk_size``
    units, skipped when 0), mu = W_mu t + b_mu and log_var = W_v t + b_v.

    ``forward`` is mu alone, so ``Autoencoder.encode`` and the ONNX export are
    deterministic; the model samples z = mu + exp(log_var / 2) * eps only while
    training. Use with ``activation: linear`` and the ``gaussian_kl`` constraint.
    """

    stochastic = True

    def __init__(self, input_size: int, hidden_size: int, trunk_size: int = 256) -> None:
        super().__init__(input_size, hidden_size)
        require_count(trunk_size, "model.encoder_params.trunk_size", 0)
        self.trunk_size = trunk_size
        self.trunk = nn.Sequential(nn.Linear(input_size, trunk_size), nn.ReLU()) if trunk_size else nn.Identity()
        features = trunk_size or input_size
        self.mean = nn.Linear(features, hidden_size)
        self.log_variance = nn.Linear(features, hidden_size)

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        return self.mean(self.trunk(x_BN))

    def posterior(self, x_BN: torch.Tensor) -> Posterior:
        t_BM = self.trunk(x_BN)
        return Posterior(self.mean(t_BM), self.log_variance(t_BM))

    def weight_matrices(self):
        return linear_weights(self)

    def mirror(self, tied: bool) -> CodeDecoder:
        return MlpDecoder(self.hidden_size, self.trunk_size, self.input_size)
