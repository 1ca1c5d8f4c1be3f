"""The JSON API under /api/v1, for warehouse systems and CRMs (Bearer tokens)."""

from .routes import bp

__all__ = ["bp"]
