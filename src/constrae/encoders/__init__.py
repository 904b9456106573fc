"""Encoder architectures. Importing this package registers every encoder."""

from constrae.encoders import dense, gaussian, lista, spatiotemporal  # noqa: F401  (registration side effects)
from constrae.encoders.base import CodeDecoder, CodeEncoder, Posterior, encoders

__all__ = ["CodeDecoder", "CodeEncoder", "Posterior", "encoders"]
