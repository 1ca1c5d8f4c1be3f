"""The brand as a manager sets it in the console: one row over the configuration's defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# The one row's id: the settings are written with an upsert on it (made on first save).
BRAND_ROW = 1


class BrandSettings(Base):
    """What the console's Brand page stores; an empty column means the configuration's default.

    Read on every request that draws the brand (a page, a card), so that every app server
    shows a change at once: nothing of it is kept in a process between requests, except
    the logo's bytes, cached under their SHA-256 (a new logo has a new key).
    """

    __tablename__ = "brand_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(80))
    accent: Mapped[str | None] = mapped_column(String(7))
    theme: Mapped[str | None] = mapped_column(String(32))
    review_url: Mapped[str | None] = mapped_column(String(500))
    # The PNG prepare_logo made of the upload; loaded only when a card or the page needs it.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
