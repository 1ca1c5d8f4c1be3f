"""The customer's feedback page behind the card's QR code: /f/<token>."""

from .routes import bp

__all__ = ["bp"]
