"""Encoder architectures. Importing this package registers every encoder."""

from constrae.core.encoders import dense, gaussian, lista, power, spatiotemporal  # noqa: F401  (registration side effects)
from constrae.core.encoders.base import ENCODER_FIXED_ARGS, CodeDecoder, CodeEncoder, Posterior, encoders

__all__ = ["ENCODER_FIXED_ARGS", "CodeDecoder", "CodeEncoder", "Posterior", "encoders"]
