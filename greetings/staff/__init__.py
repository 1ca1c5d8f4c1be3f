"""Staff sign-in: managers and admins, with hashed passwords and lockout."""

from .routes import bp

__all__ = ["bp"]
