"""The console at /admin/: pages for managers and admins (staff login, roles)."""

from .routes import bp

__all__ = ["bp"]
