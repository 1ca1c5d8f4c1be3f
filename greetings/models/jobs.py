"""Background jobs: who schedules the periodic jobs, and every run they made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SchedulerLease(Base):
    """The lease of the one worker that schedules periodic jobs (one row per lease name).

    A worker holds it while it renews it before `expires_at`; when the holder dies the
    lease runs out and another worker takes it over.
    """

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class JobRun(Base):
    """One run of a periodic job: its time slot is unique, so no slot ever runs twice."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The job's period number (seconds since the epoch // period), or the cron minute.
    slot: Mapped[int] = mapped_column(BigInteger)
    scheduled_by: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("name", "slot"),
        Index("ix_job_runs_scheduled_at", "scheduled_at"),
    )
