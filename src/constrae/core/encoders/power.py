"""An encoder that sees a window's band power, not its phase: motor imagery lives in
second-order statistics (event-related desynchronisation of the mu and beta rhythms).

Shapes: ``b`` batch, ``c`` channels, ``t`` samples per window, ``v`` virtual channels,
``f`` power features, ``m`` reconstruction targets, ``h`` hidden units. Inputs are flat
``(b, c * t)`` windows, channel-major, already band-passed and standardised.
"""

import torch
from torch import nn

from constrae.core.encoders.base import CodeDecoder, CodeEncoder, encoders
from constrae.core.encoders.dense import DenseDecoder
from constrae.core.encoders.spatial_init import SPATIAL_INITS, spatial_projection
from constrae.io.mappings import require, samples_per_channel

POWER_FLOOR = 1e-6
"""Added to every power before the logarithm: a silent virtual channel gives log(1e-6), not -inf."""


def second_moments(y_BVT: torch.Tensor) -> torch.Tensor:
    """M = (1/t) Y Y^T per window: the uncentred covariance (the signals are band-passed, so their mean is ~0)."""
    return y_BVT @ y_BVT.transpose(1, 2) / y_BVT.shape[2]


def power_statistics(M_BVV: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """[log(M_ii + floor) for each i, M_ij / sqrt(M_ii M_jj) for each pair (rows, cols)]: log-powers
    (as in FBCSP and ShallowConvNet) and the correlations that carry the covariance's off-diagonal."""
    power_BV = torch.diagonal(M_BVV, dim1=1, dim2=2) + POWER_FLOOR
    correlations_BP = M_BVV[:, rows, cols] / torch.sqrt(power_BV[:, rows] * power_BV[:, cols])
    return torch.cat([torch.log(power_BV), correlations_BP], dim=1)


def pair_count(n: int, correlations: bool) -> int:
    return n * (n - 1) // 2 if correlations else 0


@encoders.register("power")
class PowerEncoder(CodeEncoder):
    """a = W_code ((p(S X) - mu) / sigma) + b, with S (v x c) a spatial projection to a few
    virtual channels, M = (1/t) S X X^T S^T their second moments over the window, and
    p(M) = [log M_ii, M_ij / sqrt(M_ii M_jj) (i < j, when ``correlations``)].

    S starts as the whitening PCA of the training windows (the top-v eigenvectors of
    their mean channel covariance, scaled by eigenvalue^-1/2; or, with ``whitening: zca``
    and v = c, the symmetric C^-1/2), both without labels (the projection of SPDNet's BiMap,
    Huang & Van Gool 2017, then log-power); or, with ``whitening: csp``, as the common spatial
    patterns of the run's labelled windows (FBCSP's projection). mu, sigma standardise the
    features on the training windows; ``initialise_from`` sets both. ``learn_spatial: false``
    keeps S as initialised while the code layer trains. The
    decoder reconstructs the same statistics of all c input channels (``reconstruction_target``):
    the codes must summarise the whole covariance from v virtual channels.
    A window costs v c t + v^2 t multiply-adds before the code layer: with v = 16, c = 64,
    t = 160, about 0.2 M, against 0.7 M for the 64 x 64 covariance alone of a tangent-space model.
    """

    reconstructs_input = False
    feature_mean_F: torch.Tensor
    feature_scale_F: torch.Tensor
    initialised: torch.Tensor
    pair_rows: torch.Tensor
    pair_cols: torch.Tensor
    channel_rows: torch.Tensor
    channel_cols: torch.Tensor

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        channels: int,
        virtual_channels: int = 16,
        correlations: bool = True,
        whitening: str = "pca",
        learn_spatial: bool = True,
    ) -> None:
        super().__init__(input_size, hidden_size)
        where = "model.encoder_params"
        samples = samples_per_channel(input_size, channels, f"{where}.channels")
        require(
            1 <= virtual_channels <= channels,
            f"{where}.virtual_channels",
            f"must be in [1, channels={channels}], got {virtual_channels}",
        )
        require(
            whitening in SPATIAL_INITS,
            f"{where}.whitening",
            f"must be one of {', '.join(SPATIAL_INITS)}, got {whitening!r}",
        )
        require(
            whitening != "zca" or virtual_channels == channels,
            f"{where}.whitening",
            f"zca keeps every channel: it needs virtual_channels = channels = {channels}, got {virtual_channels}",
        )
        self.channels, self.samples = channels, samples
        self.virtual_channels, self.correlations, self.whitening = virtual_channels, correlations, whitening
        require(
            isinstance(learn_spatial, bool), f"{where}.learn_spatial", f"expected true or false, got {learn_spatial!r}"
        )
        self.spatial = nn.Linear(channels, virtual_channels, bias=False)
        self.spatial.weight.requires_grad_(learn_spatial)
        self.n_features = virtual_channels + pair_count(virtual_channels, correlations)
        self.code_layer = nn.Linear(self.n_features, hidden_size)
        self.register_buffer("feature_mean_F", torch.zeros(self.n_features))
        self.register_buffer("feature_scale_F", torch.ones(self.n_features))
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))
        # Index pairs follow from the sizes: not part of the state a checkpoint stores.
        self.register_buffer("pair_rows", self.pairs(virtual_channels)[0], persistent=False)
        self.register_buffer("pair_cols", self.pairs(virtual_channels)[1], persistent=False)
        self.register_buffer("channel_rows", self.pairs(channels)[0], persistent=False)
        self.register_buffer("channel_cols", self.pairs(channels)[1], persistent=False)

    def pairs(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(rows, cols) of the strict upper triangle, or empty without correlations."""
        if not self.correlations:
            return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
        rows, cols = torch.triu_indices(n, n, offset=1)
        return rows, cols

    def windows(self, x_BN: torch.Tensor) -> torch.Tensor:
        return x_BN.reshape(-1, self.channels, self.samples)

    def virtual_moments(self, x_BN: torch.Tensor) -> torch.Tensor:
        """(b, v, v) second moments of the virtual channels S x."""
        return second_moments(self.spatial.weight @ self.windows(x_BN))

    def features(self, x_BN: torch.Tensor) -> torch.Tensor:
        """(b, f) standardised power features, the code layer's input."""
        statistics_BF = power_statistics(self.virtual_moments(x_BN), self.pair_rows, self.pair_cols)
        return (statistics_BF - self.feature_mean_F) / self.feature_scale_F

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        return self.code_layer(self.features(x_BN))

    def reconstruction_target(self, x_BN: torch.Tensor) -> torch.Tensor:
        """(b, m) the power statistics of every input channel: c log-powers, and c (c - 1) / 2
        correlations when the encoder's features have them."""
        return power_statistics(second_moments(self.windows(x_BN)), self.channel_rows, self.channel_cols)

    @torch.no_grad()
    def initialise_from(self, x_BN: torch.Tensor, y_B: torch.Tensor | None = None) -> None:
        """S (``whitening``: pca, zca, or csp from the labelled rows of ``y_B``) and feature
        standardisation, from the training rows (once: a model with loaded or already
        initialised weights keeps them)."""
        if self.initialised:
            return
        self.spatial.weight.copy_(spatial_projection(self.windows(x_BN), self.whitening, self.virtual_channels, y_B))
        statistics_BF = power_statistics(self.virtual_moments(x_BN), self.pair_rows, self.pair_cols)
        self.feature_mean_F.copy_(statistics_BF.mean(dim=0))
        self.feature_scale_F.copy_(torch.clamp(statistics_BF.std(dim=0), min=POWER_FLOOR))
        self.initialised.fill_(True)

    def weight_matrices(self):
        learned = [self.spatial.weight] if self.spatial.weight.requires_grad else []
        return [*learned, self.code_layer.weight]

    def input_image_shape(self) -> tuple[int, int]:
        return self.channels, self.samples

    def mirror(self, tied: bool) -> CodeDecoder:
        target_size = self.channels + pair_count(self.channels, self.correlations)
        return DenseDecoder(self.hidden_size, target_size)
