"""Failed sign-ins, counted per key so the next attempt can be slowed down (never locked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SignInFailure(Base):
    """How often a key (a client address, an account, or both) failed, and when last.

    The key is an HMAC of what it counts, so the table holds no address or e-mail in
    clear; rows are forgotten a day after their last failure.
    """

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
