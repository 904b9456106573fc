"""Binary code units: the ``binary`` activation, trained through straight-through estimators.

Shapes: ``b`` batch, ``h`` hidden units. In eval mode (inference, export) a code is
exactly b(a - theta) in {0, 1}, or 2 b(a - theta) - 1 in {-1, +1} with ``sign``. In
training mode the codes follow the discretisation schedule: during the first
``anneal_epochs`` epochs they are the mix (1 - m) sigmoid((a - theta) / T) + m b(a - theta)
with m = epoch / anneal_epochs rising from 0 (the continuous sigmoid code of phase 1)
towards 1; from epoch ``anneal_epochs`` on they are binary (fine-tuning on the bits).
"""

import torch
from torch import nn

from constrae.core.activations import CodeActivation, activations
from constrae.discrete.ste import Surrogate, sign_ste, step_ste
from constrae.io.mappings import require, require_count


def binary_mix(epoch: int, anneal_epochs: int) -> float:
    """Weight m of the binary code in the training code at ``epoch`` (0-based)."""
    return 1.0 if anneal_epochs == 0 else min(1.0, epoch / anneal_epochs)


@activations.register("binary")
class Binary(CodeActivation):
    """z = b(a - theta) = 1[a >= theta] (or 2 b - 1 with ``sign``), gradient by a straight-through
    estimator: ``surrogate`` identity (db/da := 1) or sigmoid (db/da := s(1 - s)/T with
    s = sigmoid((a - theta)/T)). ``learn_threshold`` makes theta a learned parameter per unit
    (initialised at 0, so sigmoid units of phase 1 keep their 0.5 cut); otherwise theta = 0."""

    active_threshold = 0.5
    outputs_bits = True

    def __init__(
        self,
        hidden_size: int,
        surrogate: Surrogate = "sigmoid",
        temperature: float = 1.0,
        sign: bool = False,
        learn_threshold: bool = False,
        anneal_epochs: int = 0,
    ) -> None:
        super().__init__(hidden_size)
        where = "model.activation_params"
        require(
            surrogate in ("identity", "sigmoid"),
            f"{where}.surrogate",
            f"{surrogate!r} is not allowed; allowed: identity, sigmoid",
        )
        require(
            isinstance(temperature, (int, float)) and temperature > 0,
            f"{where}.temperature",
            f"must be a number > 0, got {temperature!r}",
        )
        require(isinstance(sign, bool), f"{where}.sign", f"expected true or false, got {sign!r}")
        require(
            isinstance(learn_threshold, bool),
            f"{where}.learn_threshold",
            f"expected true or false, got {learn_threshold!r}",
        )
        require_count(anneal_epochs, f"{where}.anneal_epochs", 0)
        self.surrogate, self.temperature, self.sign = surrogate, float(temperature), sign
        self.anneal_epochs = anneal_epochs
        self.output_range = (-1.0, 1.0) if sign else (0.0, 1.0)
        self.threshold_H = nn.Parameter(torch.zeros(hidden_size)) if learn_threshold else None
        self.mix = binary_mix(0, anneal_epochs)

    def on_epoch_start(self, epoch: int) -> None:
        self.mix = binary_mix(epoch, self.anneal_epochs)

    def centred(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return pre_BH if self.threshold_H is None else pre_BH - self.threshold_H

    def unit_probabilities(self, pre_BH: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.centred(pre_BH) / self.temperature)

    def forward(self, pre_BH: torch.Tensor) -> torch.Tensor:
        centred_BH = self.centred(pre_BH)
        ste = sign_ste if self.sign else step_ste
        hard_BH = ste(centred_BH, self.surrogate, self.temperature)
        if not self.training or self.mix >= 1.0:
            return hard_BH
        soft_BH = torch.sigmoid(centred_BH / self.temperature)
        if self.sign:
            soft_BH = 2 * soft_BH - 1
        return self.mix * hard_BH + (1 - self.mix) * soft_BH
