"""Staff sign-in: managers and admins, hashed passwords, throttled attempts, roles."""

from .routes import bp

__all__ = ["bp"]
