"""What every page shares: the brand's colours as a stylesheet, and template helpers.

The pages' look is one system (static/app.css, templates/_components.html); the brand
(name, accent colour) is the only part that changes per deployment, and it changes at
run time: /brand.css sets the accent's custom properties, so no page needs an inline
style (the CSP forbids them) and no stylesheet is rebuilt.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from flask import Blueprint, abort, current_app, g, make_response, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from .cards.brand import DEFAULT_ACCENT, page_logo
from .cards.brand import current_brand as brand_settings
from .staff.roles import may, required_role

bp = Blueprint("ui", __name__)

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The surfaces text in the accent colour sits on (white and the warm page background).
SURFACES = ("#ffffff", "#f6f4ef")


@dataclass(frozen=True)
class Brand:
    """The shop's brand as the pages show it."""

    name: str
    accent: str
    logo_url: str | None = None


def current_brand() -> Brand:
    """Return the brand of this request: the console's settings over the configuration's.

    The one function the pages ask; greetings.cards.brand reads the settings once per
    request, so every app server shows a change at once.
    """
    if "brand" not in g:
        settings = brand_settings()
        accent = settings.accent if HEX_COLOUR.fullmatch(settings.accent) else DEFAULT_ACCENT
        logo_url = (url_for("ui.logo", v=settings.logo_version) if settings.has_logo
                    else None)
        g.brand = Brand(name=settings.name, accent=accent, logo_url=logo_url)
    return g.brand


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(colour: str, other: str, share: float) -> str:
    pairs = zip(_rgb(colour), _rgb(other), strict=True)
    return _hex(c1 * (1 - share) + c2 * share for c1, c2 in pairs)


@lru_cache(maxsize=64)
def brand_palette(accent: str) -> dict[str, str]:
    """Derive the custom properties of an accent colour, each readable where it is used.

    --brand fills (header mark, primary buttons) with --brand-ink as the text on it;
    --brand-strong is the accent darkened until text in it reads on every surface
    (WCAG AA, 4.5:1); --brand-soft is a pale tint for selected and highlighted rows.
    """
    # Pure black: with white, one of the two always reads on any colour (≥ 4.58:1).
    ink = "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"
    strong, share = accent, 0.0
    while min(contrast(strong, surface) for surface in SURFACES) < 4.6 and share < 1:
        share += 0.05
        strong = _mix(accent, "#000000", share)
    # A pale accent makes a poor button: buttons use the strong shade, with white text.
    button = accent if contrast(accent, ink) >= 4.6 else strong
    button_ink = ink if button == accent else "#ffffff"
    return {"--brand": accent, "--brand-ink": ink, "--brand-strong": strong,
            "--brand-button": button, "--brand-button-ink": button_ink,
            "--brand-soft": _mix(accent, "#ffffff", 0.9)}


def brand_stylesheet(brand: Brand) -> str:
    """Return the CSS that sets the brand's custom properties."""
    rules = ";".join(f"{name}:{value}" for name, value in brand_palette(brand.accent).items())
    return ":root{" + rules + "}\n"


def _version(css: str) -> str:
    return hashlib.sha256(css.encode()).hexdigest()[:12]


@bp.get("/brand.css")
def brand_css():
    """Serve the brand's colours; cached for good under a URL that names its content."""
    css = brand_stylesheet(current_brand())
    response = make_response(css)
    response.mimetype = "text/css"
    version = _version(css)
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.set_etag(version)
    return response.make_conditional(request)


@bp.get("/brand/logo.png")
def logo():
    """Serve the brand's logo at page size; cached for good under a URL naming its version."""
    settings = brand_settings()
    image = page_logo(settings)
    if image is None:
        abort(404)
    response = make_response(image)
    response.mimetype = "image/png"
    version = settings.logo_version
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.set_etag(version)
    return response.make_conditional(request)


def brand_css_url() -> str:
    """Return the URL of the brand stylesheet, changing whenever the brand does."""
    return url_for("ui.brand_css", v=_version(brand_stylesheet(current_brand())))


def url_if_allowed(endpoint: str, **values) -> str | None:
    """Return the URL of a page the signed-in person may open, or None (no such page, or
    one their role does not reach: a manager's tile is not a link to an admin's page)."""
    view = current_app.view_functions.get(endpoint)
    role = required_role(view)
    if view is None or (role is not None and not may(current_user, role)):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@lru_cache(maxsize=16)
def language_name(code: str) -> str:
    """Return a language's name in itself ("Dansk", "Norsk bokmål")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_links(endpoint: str | None = None, **values) -> list[tuple[str, str, str]]:
    """Return (code, own name, URL) for every language of the pages.

    Without an endpoint the URL is this page with `lang` set, when this page can be
    fetched again (a GET); otherwise the link only adds `?lang=`.
    """
    if endpoint is None and request.method == "GET" and request.endpoint:
        endpoint, values = request.endpoint, {**(request.view_args or {}),
                                              **request.args.to_dict()}
    links = []
    for code in current_app.config["LANGUAGES"]:
        href = url_for(endpoint, **{**values, "lang": code}) if endpoint else f"?lang={code}"
        links.append((code, language_name(code), href))
    return links


@bp.app_context_processor
def template_helpers():
    """Give every template the brand and the helpers of the components."""
    return {"brand": current_brand(), "brand_css_url": brand_css_url,
            "url_if_allowed": url_if_allowed, "language_links": language_links}
