"""Stacked autoencoders: greedy layer-wise pre-training, softmax, supervised fine-tuning."""

from constrae.stacked.config import ClassifierTrainConfig, LayerConfig, StackConfig, StackRunConfig, load_stack_config
from constrae.stacked.estimator import StackedAutoencoderClassifier
from constrae.stacked.network import StackedNetwork, build_network, fit_stack

__all__ = [
    "ClassifierTrainConfig",
    "LayerConfig",
    "StackConfig",
    "StackRunConfig",
    "StackedAutoencoderClassifier",
    "StackedNetwork",
    "build_network",
    "fit_stack",
    "load_stack_config",
]
