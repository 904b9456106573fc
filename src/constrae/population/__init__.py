"""Several people's recordings as one training set, each person aligned on their own windows."""

from constrae.population.pooling import PooledInputs, aligned_preprocessing, pooled_inputs

__all__ = ["PooledInputs", "aligned_preprocessing", "pooled_inputs"]
