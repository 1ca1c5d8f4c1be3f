"""The console at /admin/: pages for managers and admins (staff login, roles)."""

from . import brand, endpoints, integrations, texts  # noqa: F401 (their routes join bp)
from . import cards as _cards  # noqa: F401 (registers its routes)
from . import stations as _stations  # noqa: F401 (registers its routes)
from .routes import bp

# Register their routes on bp.
from . import accounts, people, signature  # noqa: E402,F401  isort: skip

__all__ = ["bp"]
