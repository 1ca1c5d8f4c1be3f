"""Who may reach the console at all, before any view's own role check.

Every request under /admin passes `guard_console` first (an app-wide hook, so a
blueprint added later under /admin is covered too). It refuses what is not a staff
member at a desk: an API token, a browser with a packer signed in, and a packing
station nobody on the staff has signed in at. Then the view's `role_required` decides
between the sign-in page, 403 and the page. A console view that declares no role is
refused to everyone: forgetting the decorator must fail closed.
"""

import logging

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in

from ..staff.roles import required_role
from ..station import identity

log = logging.getLogger(__name__)
CONSOLE_PREFIX = "/admin"


def is_console_path(path: str) -> bool:
    """Tell whether a path belongs to the console."""
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")


def refusal() -> str | None:
    """Say why this request may not use the console whoever signs in, or None."""
    if "Authorization" in request.headers:
        return _l("The console takes a staff sign-in, not an API token.")
    if identity.current_packer() is not None:
        return _l("A packer is signed in on this computer. A manager who signs in here "
                  "signs the packer out first.")
    if not current_user.is_authenticated and identity.current_station() is not None:
        return _l("This computer is a packing station. Sign in as a manager to open "
                  "the console here.")
    return None


def guard_console():
    """Refuse non-staff callers and views without a declared role (a before_request hook)."""
    if not is_console_path(request.path) or request.routing_exception is not None:
        return
    reason = refusal()
    if reason is not None:
        abort(403, description=reason)
    view = current_app.view_functions.get(request.endpoint)
    if required_role(view) is None:
        log.error("console view %s declares no role; refused", request.endpoint)
        abort(403)


@user_logged_in.connect
def sign_the_packer_out(_app, **_extra):
    """A manager or admin signing in on a packing station signs its packer out first.

    A browser never holds a staff session and a packer's at once (PRODUCT.md, "The
    station's promises"); listening here keeps the sign-in free of station code.
    """
    identity.sign_out()
