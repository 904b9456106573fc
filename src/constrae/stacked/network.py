"""The stacked network and its three training stages: greedy layer-wise pre-training,
softmax on the frozen top codes, end-to-end supervised fine-tuning.

After MATLAB's ``stack`` + ``trainSoftmaxLayer`` + ``train(deepnet)`` and UFLDL's
stacked autoencoder exercise; seed 001, "Progressive encoding (stacking net)".
Shapes: ``b`` batch, ``n`` input features, ``h`` top hidden units, ``c`` classes.
"""

import copy
from typing import NamedTuple

import torch
from torch import nn

from constrae.core.build import build
from constrae.core.model import Autoencoder
from constrae.core.trainer import Trainer
from constrae.stacked.config import StackConfig
from constrae.stacked.softmax import train_classifier


class StackedNetwork(nn.Module):
    """x -> encode_1 -> ... -> encode_L -> softmax(W z + b): the autoencoders' inference
    paths (encoder, activation, code gate) chained, then a linear softmax layer.
    The decoders stay in ``autoencoders`` for pictures and reconstructions only."""

    def __init__(self, autoencoders: list[Autoencoder], n_classes: int) -> None:
        super().__init__()
        self.autoencoders = nn.ModuleList(autoencoders)
        # The same modules as a typed list, for the calls below (the ModuleList registers them).
        self.layers: list[Autoencoder] = list(autoencoders)
        self.head = nn.Linear(autoencoders[-1].config.hidden_size, n_classes)

    def codes(self, x_BN: torch.Tensor) -> torch.Tensor:
        """Top-layer codes (b, h)."""
        for autoencoder in self.layers:
            x_BN = autoencoder.encode(x_BN)
        return x_BN

    def forward(self, x_BN: torch.Tensor) -> torch.Tensor:
        """Class logits (b, c)."""
        return self.head(self.codes(x_BN))

    def encoding_modules(self) -> list[nn.Module]:
        """What fine-tuning trains: every layer's inference path and the softmax."""
        paths = [m for ae in self.layers for m in (ae.encoder, ae.activation, ae.gate)]
        return paths + [self.head]

    def encoding_weights(self) -> list[torch.Tensor]:
        """Weight matrices (no biases) of the inference path, for weight decay."""
        return [W for ae in self.layers for W in ae.encoder.weight_matrices()] + [self.head.weight]


def assemble(autoencoders: list[Autoencoder], n_classes: int, seed: int) -> StackedNetwork:
    """The network over ``autoencoders`` with a softmax initialised from ``seed``."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return StackedNetwork(autoencoders, n_classes)


def build_network(config: StackConfig, n_features: int, n_classes: int) -> StackedNetwork:
    """Untrained network for ``config``, each layer as ``constrae.build`` makes it
    (constraints attached, so stored weights load into the same structure)."""
    autoencoders = [
        build(layer.run_config(input_size))[0]
        for layer, input_size in zip(config.layers, config.input_sizes(n_features))
    ]
    return assemble(autoencoders, n_classes, config.softmax.seed)


class StackFit(NamedTuple):
    """What ``fit_stack`` produced."""

    network: StackedNetwork
    """After fine-tuning."""
    frozen: StackedNetwork
    """Before fine-tuning: the pre-trained layers and the softmax trained on their codes."""
    history: dict[str, list]
    """Per stage: each layer's per-epoch log ("layer_1", ...), then the "softmax" and
    "finetune" loss per epoch."""


def pretrain_layers(
    config: StackConfig, X_BN: torch.Tensor, y_B: torch.Tensor, progress: bool = False
) -> tuple[list[Autoencoder], dict[str, list]]:
    """Greedy layer-wise pre-training: layer l + 1 trains on layer l's codes, each with
    its own constraints and training; labels reach only discriminative constraints."""
    autoencoders, history = [], {}
    codes_BN = X_BN
    for index, (layer, input_size) in enumerate(zip(config.layers, config.input_sizes(X_BN.shape[1])), start=1):
        run_config = layer.run_config(input_size)
        autoencoder, objective = build(run_config)
        trainer = Trainer(autoencoder, objective, run_config, progress=progress)
        history[f"layer_{index}"] = trainer.fit(codes_BN, y_B=y_B if objective.needs_labels else None)
        with torch.no_grad():
            codes_BN = autoencoder.encode(codes_BN)
        autoencoders.append(autoencoder)
    return autoencoders, history


def fit_stack(
    config: StackConfig, X_BN: torch.Tensor, y_B: torch.Tensor, n_classes: int, progress: bool = False
) -> StackFit:
    """Pre-train every layer, train the softmax on the top codes, then fine-tune it all."""
    autoencoders, history = pretrain_layers(config, X_BN, y_B, progress)
    network = assemble(autoencoders, n_classes, config.softmax.seed).eval()
    with torch.no_grad():
        codes_BH = network.codes(X_BN)
    history["softmax"] = train_classifier(
        [network.head], lambda rows: network.head(codes_BH[rows]), y_B, [network.head.weight], config.softmax
    )
    frozen = copy.deepcopy(network)
    network.train()
    history["finetune"] = train_classifier(
        network.encoding_modules(), lambda rows: network(X_BN[rows]), y_B, network.encoding_weights(), config.finetune
    )
    return StackFit(network.eval(), frozen, history)
