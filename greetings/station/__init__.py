"""The packing station: sign in, scan an order, print its card."""

from .routes import bp

__all__ = ["bp"]
