"""Encoder architectures. Importing this package registers every encoder."""

from constrae.encoders import dense, spatiotemporal  # noqa: F401  (registration side effects)
from constrae.encoders.base import CodeDecoder, CodeEncoder, encoders

__all__ = ["CodeDecoder", "CodeEncoder", "encoders"]
