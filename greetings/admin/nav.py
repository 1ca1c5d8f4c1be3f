"""The console's navigation: one list, read by the layout.

A page joins the navigation with one line here: its label, its endpoint, and the section
it sits in. Who sees it follows from the role its view declares with `role_required`
(no second place to keep in step), and an entry whose endpoint does not exist (yet) is
not shown.
"""

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..staff.roles import may, required_role


@dataclass(frozen=True)
class NavItem:
    """One link of the console's navigation."""

    label: str
    endpoint: str
    section: str = "daily"
    # Other endpoints that belong to this page (its forms, its detail pages).
    also: tuple[str, ...] = ()


SECTIONS = {"daily": _l("Daily"), "setup": _l("Set-up"), "admin": _l("Administration")}

NAV = [
    NavItem(_l("Overview"), "admin.overview"),
    NavItem(_l("Dashboard"), "insight.dashboard"),
    NavItem(_l("Feedback"), "admin.feedback", also=("admin.hide", "admin.show")),
    NavItem(_l("Worklist"), "insight.worklist", also=("insight.follow_up",)),
    NavItem(_l("Weekly digest"), "insight.digest_page"),
    NavItem(_l("People"), "admin.people", "setup",
            also=("admin.add_packer", "admin.edit_packer", "admin.signature",
                  "admin.preview_signature")),
    NavItem(_l("API tokens"), "admin.tokens", "admin"),
    NavItem(_l("Staff users"), "admin.users", "admin"),
    NavItem(_l("Greeting texts"), "admin.greetings", "setup",
            also=("admin.greeting_edit", "admin.greeting_reset")),
    NavItem(_l("Brand"), "admin.brand", "setup"),
    NavItem(_l("Integrations"), "admin.integrations", "admin",
            also=("admin.integration", "admin.deliveries", "admin.parked")),
    NavItem(_l("Outbound endpoints"), "admin.endpoints", "admin", also=("admin.endpoint",)),
    NavItem(_l("Cards"), "admin.cards", also=("admin.void",)),
    NavItem(_l("Stations"), "admin.stations", "setup",
            also=("admin.station", "admin.retire_station")),
]


@dataclass(frozen=True)
class NavLink:
    """A navigation entry as the current user sees it."""

    label: str
    url: str
    current: bool


def visible_nav() -> list[tuple[str, list[NavLink]]]:
    """Return the sections and links the signed-in user may open, in NAV's order."""
    sections: dict[str, list[NavLink]] = {}
    for item in NAV:
        view = current_app.view_functions.get(item.endpoint)
        role = required_role(view)
        if view is None or role is None or not may(current_user, role):
            continue
        current = request.endpoint in (item.endpoint, *item.also)
        sections.setdefault(item.section, []).append(
            NavLink(str(item.label), url_for(item.endpoint), current))
    return [(str(SECTIONS[key]), links) for key, links in sections.items()]
