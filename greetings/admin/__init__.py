"""Management pages: feedback moderation and the like (manager login)."""

from .routes import bp

__all__ = ["bp"]
