"""The JSON API under /api/v1, for warehouse systems and CRMs (Bearer tokens)."""

from .routes import bp

# Registers its routes on bp.
from . import feedback, packers  # noqa: E402,F401  isort: skip

__all__ = ["bp"]
