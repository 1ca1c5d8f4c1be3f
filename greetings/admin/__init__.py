"""The console at /admin/: pages for managers and admins (staff login, roles)."""

from . import cards as _cards  # noqa: F401 (registers its routes)
from . import stations as _stations  # noqa: F401 (registers its routes)
from .routes import bp

__all__ = ["bp"]
