"""An encoder shaped for multichannel EEG windows, and its mirrored decoder.

Shapes: ``b`` batch, ``c`` channels, ``t`` samples per window, ``v`` virtual
channels, ``f`` temporal filters per virtual channel, ``s`` filter outputs per
filter (t' in the docstrings), ``h`` hidden units. Inputs are flat ``(b, c * t)``
windows, channel-major (``x.reshape(b, c, t)`` gives the channels back).
"""

import torch
from torch import nn
from torch.nn import functional as F

from constrae.core.encoders.base import CodeDecoder, CodeEncoder, encoders
from constrae.io.mappings import require, samples_per_channel


def filter_output_length(samples: int, kernel: int, stride: int) -> int:
    """t' = floor((t - K) / stride) + 1, the length of a valid strided convolution."""
    return (samples - kernel) // stride + 1


class SpatioTemporalDecoder(CodeDecoder):
    """The encoder's steps transposed: code layer^T, temporal filters^T, spatial^T.

    x_hat[c, t] = b_c + sum_v A[c, v] sum_f (g_vf * u_vf)[t], with u = W_code^T z
    reshaped to (v * f, t') and ``*`` the transposed strided convolution.
    """

    def __init__(self, encoder: "SpatioTemporalEncoder") -> None:
        super().__init__()
        self.channels, self.samples = encoder.channels, encoder.samples
        self.filter_outputs = encoder.filter_outputs
        v, f = encoder.virtual_channels, encoder.filters
        self.code_layer = nn.Linear(encoder.hidden_size, v * f * encoder.filter_outputs)
        padding = self.samples - ((encoder.filter_outputs - 1) * encoder.stride + encoder.kernel)
        self.temporal = nn.ConvTranspose1d(
            v * f, v, encoder.kernel, stride=encoder.stride, groups=v, bias=False, output_padding=padding
        )
        self.spatial = nn.Linear(v, self.channels)

    def forward(self, codes_BH: torch.Tensor) -> torch.Tensor:
        # -1, not len(): torch.export would fix the batch size to the example's.
        filtered_BFS = self.code_layer(codes_BH).reshape(-1, self.temporal.in_channels, self.filter_outputs)
        virtual_BVT = self.temporal(filtered_BFS)
        return self.spatial(virtual_BVT.transpose(1, 2)).transpose(1, 2).flatten(1)

    def weight_matrices(self):
        return [self.code_layer.weight, self.temporal.weight, self.spatial.weight]

    def dictionary(self):
        return self.code_layer, "weight", 0


@encoders.register("spatiotemporal")
class SpatioTemporalEncoder(CodeEncoder):
    """a = W_code vec(G * (S x)) + b: a spatial projection S (v x c) to a few virtual
    channels, a bank of f temporal filters g_vf of length K per virtual channel
    (a depthwise strided convolution, as in the spatial-then-temporal filtering of
    CSP filter banks and EEGNet), then the dense code layer.

    Every step is linear, so one window costs about c v t + v f K t' + v f t' h
    multiply-adds instead of the c t h of a dense encoder: the point of the shape.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        channels: int,
        virtual_channels: int = 8,
        filters: int = 4,
        kernel: int = 25,
        stride: int = 5,
    ) -> None:
        super().__init__(input_size, hidden_size)
        where = "model.encoder_params"
        samples = samples_per_channel(input_size, channels, f"{where}.channels")
        self.channels, self.samples = channels, samples
        require(virtual_channels >= 1, f"{where}.virtual_channels", f"must be >= 1, got {virtual_channels}")
        require(filters >= 1, f"{where}.filters", f"must be >= 1, got {filters}")
        require(
            1 <= kernel <= self.samples,
            f"{where}.kernel",
            f"must be in [1, samples per window={self.samples}], got {kernel}",
        )
        require(stride >= 1, f"{where}.stride", f"must be >= 1, got {stride}")
        self.virtual_channels, self.filters, self.kernel, self.stride = virtual_channels, filters, kernel, stride
        self.filter_outputs = filter_output_length(self.samples, kernel, stride)
        self.spatial = nn.Linear(channels, virtual_channels, bias=False)
        self.temporal = nn.Conv1d(
            virtual_channels, virtual_channels * filters, kernel, stride=stride, groups=virtual_channels, bias=False
        )
        self.code_layer = nn.Linear(virtual_channels * filters * self.filter_outputs, hidden_size)

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        x_BCT = x_BN.reshape(-1, self.channels, self.samples)
        virtual_BVT = self.spatial(x_BCT.transpose(1, 2)).transpose(1, 2)
        return self.code_layer(self.temporal(virtual_BVT).flatten(1))

    def code_weight_HVT(self) -> torch.Tensor:
        """The code layer's rows pulled back through the temporal filters (a transposed
        convolution): pre-activations = W_HVT . (S x) + b, per virtual-channel sample."""
        rows_HFS = self.code_layer.weight.reshape(self.hidden_size, -1, self.filter_outputs)
        padding = self.samples - ((self.filter_outputs - 1) * self.stride + self.kernel)
        return F.conv_transpose1d(
            rows_HFS, self.temporal.weight, stride=self.stride, groups=self.virtual_channels, output_padding=padding
        )

    def affine_weight_HN(self) -> torch.Tensor:
        """The composed map W (h, c t): ``code_weight_HVT`` pulled back through the spatial projection."""
        return torch.einsum("hvt,vc->hct", self.code_weight_HVT(), self.spatial.weight).reshape(self.hidden_size, -1)

    def weight_matrices(self):
        return [self.spatial.weight, self.temporal.weight, self.code_layer.weight]

    def input_image_shape(self) -> tuple[int, int]:
        return self.channels, self.samples

    def mirror(self, tied: bool) -> CodeDecoder:
        return SpatioTemporalDecoder(self)
