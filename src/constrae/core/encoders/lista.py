"""The LISTA encoder of the discriminative recurrent sparse autoencoder (DrSAE).

Rolfe & LeCun, "Discriminative Recurrent Sparse Auto-Encoders", ICLR 2013; seed 002.
Shapes: ``b`` batch, ``n`` inputs, ``h`` hidden units.
"""

import torch
from torch import nn

from constrae.core.encoders.base import CodeDecoder, CodeEncoder, encoders
from constrae.core.encoders.dense import DenseDecoder
from constrae.io.mappings import require_count


@encoders.register("lista")
class ListaEncoder(CodeEncoder):
    """z^0 = 0, z^{t+1} = relu(W_e x + S z^t - b) for t < T, unrolled ``steps`` = T times.

    ``forward`` returns the last pre-activation W_e x + S z^{T-1} - b; the model's code
    activation (``relu`` for DrSAE) makes it z^T. S is the learned lateral connection
    (explaining away); with T = 1 this is a plain relu encoder. The decoder is dense,
    x_hat = W_d z + b_d. S starts at 0, so training begins from that plain encoder.
    """

    def __init__(self, input_size: int, hidden_size: int, steps: int = 3) -> None:
        super().__init__(input_size, hidden_size)
        require_count(steps, "model.encoder_params.steps", 1)
        self.steps = steps
        self.feedforward = nn.Linear(input_size, hidden_size)
        self.S_HH = nn.Parameter(torch.zeros(hidden_size, hidden_size))

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        # The bias of ``feedforward`` plays -b; it is added once per step with W_e x.
        drive_BH = self.feedforward(x_BN)
        pre_BH = drive_BH
        for _ in range(self.steps - 1):
            pre_BH = drive_BH + torch.relu(pre_BH) @ self.S_HH.T
        return pre_BH

    def affine_weight_HN(self):
        return self.feedforward.weight if self.steps == 1 else None

    def weight_matrices(self):
        return [self.feedforward.weight, self.S_HH]

    def mirror(self, tied: bool) -> CodeDecoder:
        return DenseDecoder(self.hidden_size, self.input_size)
