"""The packing station: sign in, scan an order, print its card."""

from . import waves as _waves  # noqa: F401 (registers its routes)
from .routes import bp

__all__ = ["bp"]
