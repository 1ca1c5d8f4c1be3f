"""The shop's brand: what a manager set in the console, over the configuration's defaults.

Name, logo, accent colour, card theme and public review link live in one database row
(`BrandSettings`, made on the first save); a column left empty falls back to BRAND_NAME,
BRAND_LOGO, BRAND_ACCENT, the renderer's default theme and REVIEW_URL. Every app server
reads the row once per request (a primary-key read without the logo's bytes), so a
change shows on all of them at once. The logo's bytes are cached in the process under
their SHA-256, which the row names: a new logo is a new key, so no server can show an
old one.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..errors import InvalidInput
from ..extensions import db
from ..models import BRAND_ROW, BrandSettings, dialect_insert, utcnow
from ..text import clean_line
from .renderer import DEFAULT_THEME, THEMES, ImageRejected, admit_image, prepare_logo

HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
DEFAULT_ACCENT = "#0b57a4"
NAME_MAX = 80
# The logo on pages (the customer's phone) is shown ~40 px high: twice that, for sharp
# screens, keeps the customer's page small however large the card's logo is.
PAGE_LOGO_BOX = (480, 96)
REVIEW_URL_MAX = 500
_FIELDS = ("name", "accent", "theme", "review_url")


class BrandRefused(InvalidInput):
    """A brand setting that cannot be stored; `errors` names each field and why."""

    title = "Brand settings refused"


@dataclass(frozen=True)
class Brand:
    """The brand in force: each value from the console if set there, else the default."""

    name: str
    accent: str
    theme: str
    review_url: str | None
    # SHA-256 of the console's logo; None: the configured logo file (or none).
    logo_sha256: str | None
    logo_path: str | None
    # The fields whose value comes from the console (the rest are defaults).
    from_console: frozenset[str]
    updated_at: datetime | None = None

    @property
    def has_logo(self) -> bool:
        """Tell whether cards and pages show a logo."""
        return bool(self.logo_sha256 or self.logo_path)

    @property
    def logo_version(self) -> str | None:
        """Return a short name for the logo in force, for URLs that cache it for good."""
        if self.logo_sha256:
            return self.logo_sha256[:16]
        if self.logo_path:
            return hashlib.sha256(self.logo_path.encode()).hexdigest()[:16]
        return None


def defaults() -> dict:
    """Return the configuration's brand: what applies where the console set nothing."""
    config = current_app.config
    accent = str(config.get("BRAND_ACCENT") or "").strip().lower()
    return {"name": str(config.get("BRAND_NAME") or "Greetings"),
            "accent": accent if HEX_COLOUR.fullmatch(accent) else DEFAULT_ACCENT,
            "theme": DEFAULT_THEME, "review_url": config.get("REVIEW_URL") or None,
            "logo_path": config.get("BRAND_LOGO") or None}


_ROW = select(BrandSettings.name, BrandSettings.accent, BrandSettings.theme,
              BrandSettings.review_url, BrandSettings.logo_sha256,
              BrandSettings.updated_at).where(BrandSettings.id == BRAND_ROW)


def current_brand() -> Brand:
    """Return the brand in force for this request (read once per app context)."""
    if "brand_settings" not in g:
        g.brand_settings = _read()
    return g.brand_settings


def _read() -> Brand:
    base = defaults()
    try:
        row = db.session.execute(_ROW).one_or_none()
    except SQLAlchemyError as error:
        # An error page while the database is away still needs a brand: the defaults.
        current_app.logger.warning("brand settings unreadable (%s); defaults used",
                                   type(error).__name__)
        row = None
    stored = {key: getattr(row, key) for key in _FIELDS} if row else {}
    chosen = {key: value for key, value in stored.items() if value}
    if chosen.get("theme") not in THEMES:   # a theme the renderer no longer has
        chosen.pop("theme", None)
    values = {**base, **chosen}
    logo_sha = row.logo_sha256 if row else None
    return Brand(name=values["name"], accent=values["accent"], theme=values["theme"],
                 review_url=values["review_url"], logo_sha256=logo_sha,
                 logo_path=None if logo_sha else base["logo_path"],
                 from_console=frozenset(chosen) | ({"logo"} if logo_sha else set()),
                 updated_at=row.updated_at if row else None)


def forget_current() -> None:
    """Drop this request's copy of the brand (after a change, so the page shows the new one)."""
    g.pop("brand_settings", None)


class _LogoCache:
    """Logo bytes by their SHA-256: content-addressed, so never stale on any server."""

    def __init__(self, size: int = 8):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str, load, verify: bool = True) -> bytes | None:
        """Return the bytes under key, loading (and keeping) them when absent.

        verify: the key is the bytes' SHA-256; bytes that do not match are not kept
        (the row changed between reading its hash and its logo).
        """
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = load()
        if value is not None and (not verify or hashlib.sha256(value).hexdigest() == key):
            with self.lock:
                self.items[key] = value
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
        return value


_logos = _LogoCache()


def brand_logo(brand: Brand | None = None) -> bytes | None:
    """Return the logo in force as PNG (or the configured file's bytes), or None."""
    brand = brand or current_brand()
    if brand.logo_sha256:
        return _logos.get(brand.logo_sha256, lambda: db.session.execute(
            select(BrandSettings.logo_png).where(BrandSettings.id == BRAND_ROW)
        ).scalar_one_or_none())
    if brand.logo_path:
        return _configured_logo(brand.logo_path)
    return None


def page_logo(brand: Brand | None = None) -> bytes | None:
    """Return the logo in force made small for pages (a PNG), or None."""
    brand = brand or current_brand()
    if not brand.has_logo:
        return None
    return _logos.get(f"page:{brand.logo_version}", lambda: _small(brand_logo(brand)),
                      verify=False)


def _small(image: bytes | None) -> bytes | None:
    if not image:
        return None
    try:
        picture = admit_image(image, what="logo").decode(max_side=max(PAGE_LOGO_BOX))
    except ImageRejected:
        return None
    picture.thumbnail(PAGE_LOGO_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=4)
def _configured_logo(path: str) -> bytes | None:
    """Read BRAND_LOGO once per process (a setting: it changes with a restart)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        current_app.logger.warning("BRAND_LOGO %s cannot be read; no logo", path)
        return None


def clean_name(value: str | None) -> str | None:
    """Return the brand name as stored (one clean line), None for the default."""
    name = clean_line(value)
    if len(name) > NAME_MAX:
        raise BrandRefused(errors=[{"field": "name", "reason": "too-long",
                                    "message": f"at most {NAME_MAX} characters"}])
    return name or None


def clean_accent(value: str | None) -> str | None:
    """Return a colour as #rrggbb (from #rgb, rrggbb, any case), None for the default."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not text.startswith("#"):
        text = "#" + text
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        text = "#" + "".join(ch * 2 for ch in text[1:])
    if not HEX_COLOUR.fullmatch(text):
        raise BrandRefused(errors=[{"field": "accent", "reason": "not-a-colour",
                                    "message": "a colour is written #rrggbb, e.g. #0b57a4"}])
    return text


def clean_review_url(value: str | None) -> str | None:
    """Return a public review link (https, a host, no credentials), None for none."""
    url = (value or "").strip()
    if not url:
        return None
    problem = None
    if len(url) > REVIEW_URL_MAX:
        problem = f"at most {REVIEW_URL_MAX} characters"
    elif not url.isprintable() or any(ch.isspace() for ch in url):
        problem = "no spaces or control characters"
    else:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (a bad port raises ValueError)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
            problem = "an address starting with https://"
        elif parts.username is not None or parts.password is not None:
            problem = "no user name or password in the address"
    if problem:
        raise BrandRefused(errors=[{"field": "review_url", "reason": "not-https",
                                    "message": problem}])
    return url


def clean_theme(value: str | None) -> str | None:
    """Return a theme the renderer has, None for the default."""
    if not value:
        return None
    if value not in THEMES:
        raise BrandRefused(errors=[{"field": "theme", "reason": "unknown-theme",
                                    "message": f"the themes are {', '.join(THEMES)}"}])
    return value


def _upsert(values: dict, user_id: int | None) -> None:
    """Write some columns of the one row, making it if it is not there yet."""
    values = {**values, "updated_at": utcnow(), "updated_by_id": user_id}
    insert = dialect_insert(db.session.get_bind().dialect.name)
    db.session.execute(insert(BrandSettings).values(id=BRAND_ROW, **values)
                       .on_conflict_do_update(index_elements=["id"], set_=values))
    forget_current()


def save_brand(*, name=None, accent=None, theme=None, review_url=None,
               user_id: int | None = None) -> None:
    """Store name, accent, theme and review link (empty: the default); the caller commits.

    Raises BrandRefused naming every field that cannot be stored.
    """
    values, errors = {}, []
    for key, clean, value in (("name", clean_name, name), ("accent", clean_accent, accent),
                              ("theme", clean_theme, theme),
                              ("review_url", clean_review_url, review_url)):
        try:
            values[key] = clean(value)
        except BrandRefused as error:
            errors += error.errors
    if errors:
        raise BrandRefused(errors=errors)
    _upsert(values, user_id)


def save_logo(raw: bytes, user_id: int | None = None) -> str:
    """Store an uploaded logo (PNG or JPEG, via prepare_logo); return its SHA-256.

    Raises the renderer's ImageRejected for anything else (SVG, bombs, huge sizes…).
    The caller commits.
    """
    png = prepare_logo(raw)
    digest = hashlib.sha256(png).hexdigest()
    _upsert({"logo_png": png, "logo_sha256": digest}, user_id)
    return digest


def remove_logo(user_id: int | None = None) -> None:
    """Go back to the configured logo (or none); the caller commits."""
    _upsert({"logo_png": None, "logo_sha256": None}, user_id)


def reset_brand(user_id: int | None = None) -> None:
    """Go back to the configuration's defaults for everything; the caller commits."""
    _upsert({**dict.fromkeys(_FIELDS), "logo_png": None, "logo_sha256": None}, user_id)
