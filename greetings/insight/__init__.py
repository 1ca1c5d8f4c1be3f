"""Insight: the packer's own page, the weekly recognition digest, the manager's dashboard."""

from .routes import bp

__all__ = ["bp"]
