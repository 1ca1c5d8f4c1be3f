"""The console at /admin/: pages for managers and admins (staff login, roles)."""

from . import brand, endpoints, integrations, texts  # noqa: F401 (their routes join bp)
from .routes import bp

__all__ = ["bp"]
