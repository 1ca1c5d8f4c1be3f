"""Order intake: signed webhooks from ERPs and shops, stored once."""

from .routes import bp

__all__ = ["bp"]
