"""Staff roles and the one decorator that guards a staff page by role.

PRODUCT.md: a `manager` runs people, greetings, brand, stations, moderation, dashboards and
CSV; an `admin` does all of that and alone what holds secrets or sends data off-site
(integrations, API tokens, outbound endpoints, staff users).
"""

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import login
from ..models import Role

ROLES = tuple(role.value for role in Role)
ROLE_LABELS = {Role.ADMIN: _l("Admin"), Role.MANAGER: _l("Manager")}


def role_label(role: str) -> str:
    """Return a role's name in the page's language."""
    try:
        return str(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def may(user, role: Role) -> bool:
    """Tell whether a signed-in staff user may open a page that needs `role`."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.MANAGER and role == Role.MANAGER


def role_required(role: Role):
    """Guard a view: anonymous people go to the sign-in page, other roles get 403.

    The wrapper carries `required_role`, which the console's navigation and the
    authorization matrix test read: a view declares its role here and nowhere else.
    """
    role = Role(role)

    def decorate(view):
        @wraps(view)
        def gate(*args, **kwargs):
            if not current_user.is_authenticated:
                return login.unauthorized()
            if not may(current_user, role):
                abort(403, description=_l("Your role does not include this page."))
            # Through __wrapped__, so the authorization matrix test can stand in for the
            # view and see what the gate alone lets through.
            return gate.__wrapped__(*args, **kwargs)

        gate.required_role = role
        # Decorators applied on top copy this __dict__, so any outer wrapper leads here.
        gate.role_gate = gate
        return gate

    return decorate


def required_role(view) -> Role | None:
    """Return the role a view declared with `role_required`, or None."""
    return getattr(view, "required_role", None)


# Pages any staff member may open (station setup and most of the console).
manager_required = role_required(Role.MANAGER)
admin_required = role_required(Role.ADMIN)
