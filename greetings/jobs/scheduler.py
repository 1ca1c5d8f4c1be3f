"""Exactly one scheduler, however many workers run: a lease in the database.

Every worker runs a `LeaseScheduler` thread. Each tick it reads the lease row; the worker
named in it, while the lease has not run out, is the scheduler: it renews the lease well
before it expires and enqueues the periodic jobs that are due. The others only watch.
When the holder dies (or is `kill -9`'d) its lease runs out after SCHEDULER_LEASE_SECONDS
and the first worker to notice takes it over with a compare-and-set UPDATE (WHERE holder
and expiry are still what it read), so two workers can never both take it.

Behind the lease, each run of a periodic job is a `JobRun` row whose (name, slot) is
unique, and a run starts only when its row is claimed: even a holder that was paused past
its lease and wakes up believing it still holds it cannot make a slot run twice.
The database is the one thing every worker already shares (SQLite file or PostgreSQL),
with or without Redis, which is why the lease lives there.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import JobRun, SchedulerLease, utcnow

log = logging.getLogger(__name__)
LEASE = "scheduler"


def worker_identity() -> str:
    """Return a name for this worker process that no other process shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def current_lease() -> SchedulerLease | None:
    """Return the scheduler lease as it is now (holder and expiry), if any was ever taken."""
    return db.session.get(SchedulerLease, LEASE, populate_existing=True)


def hold_lease(me: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take, keep or renew the lease for `me`; tell whether `me` holds it now. Commits."""
    now = now or utcnow()
    lease = current_lease()
    if lease is None:
        db.session.add(SchedulerLease(name=LEASE, holder=me, acquired_at=now,
                                      expires_at=now + ttl))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        log.info("scheduler lease taken by %s", me)
        return True
    holder, expires_at = lease.holder, lease.expires_at
    mine = holder == me
    if mine and expires_at - now > ttl * 2 / 3:
        db.session.rollback()
        return True
    if not mine and expires_at > now:
        db.session.rollback()
        return False
    values = {"holder": me, "expires_at": now + ttl}
    if not mine:
        values["acquired_at"] = now
    taken = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder,
               SchedulerLease.expires_at == expires_at)
        .values(**values)
    ).rowcount == 1
    db.session.commit()
    if taken and not mine:
        log.info("scheduler lease taken over by %s from %s", me, holder)
    return taken


def release_lease(me: str) -> None:
    """Give the lease up at a clean shutdown, so another worker takes over at once."""
    db.session.execute(
        update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == me)
        .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def schedule_due(me: str, periodic, config, enqueue, seen: dict, now: datetime | None = None):
    """Enqueue each periodic job whose current slot has no run yet; return the runs made.

    `seen` remembers the last slot handled per job, so a quiet tick costs no query.
    """
    now = now or utcnow()
    made = []
    for job in periodic:
        slot = job.slot(now, config)
        if slot is None or seen.get(job.name) == slot:
            continue
        exists = db.session.execute(
            select(JobRun.id).where(JobRun.name == job.name, JobRun.slot == slot)).first()
        if exists is None:
            run = JobRun(name=job.name, slot=slot, scheduled_by=me, scheduled_at=now)
            db.session.add(run)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
            else:
                if _enqueue_or_forget(run, enqueue):
                    made.append(run)
                else:
                    continue
        seen[job.name] = slot
    db.session.rollback()
    return made


def _enqueue_or_forget(run: JobRun, enqueue) -> bool:
    # Committed first, so the worker that picks the message up finds the run; a message
    # that could not be queued takes its run row back, and the next tick tries again.
    run_id = run.id
    try:
        enqueue("jobs.periodic", run_id)
        return True
    except Exception:
        log.exception("could not enqueue periodic run %s", run_id)
        db.session.rollback()
        db.session.execute(JobRun.__table__.delete().where(JobRun.id == run_id))
        db.session.commit()
        return False


class LeaseScheduler:
    """The thread in every worker that competes for the lease and, holding it, schedules."""

    def __init__(self, app, me: str, periodic, enqueue):
        self.app, self.me, self.periodic, self.enqueue = app, me, periodic, enqueue
        self.stopping = threading.Event()
        self.holding = False
        self._seen: dict = {}

    def tick(self, now: datetime | None = None) -> None:
        """Hold or watch the lease once, and schedule what is due while holding it."""
        config = self.app.config
        ttl = timedelta(seconds=float(config["SCHEDULER_LEASE_SECONDS"]))
        with self.app.app_context():
            try:
                holding = hold_lease(self.me, ttl, now)
                if holding != self.holding:
                    self._seen.clear()
                self.holding = holding
                if holding:
                    schedule_due(self.me, self.periodic, config, self.enqueue, self._seen, now)
            except Exception:
                # A database that is briefly away must not end the thread; next tick retries.
                db.session.rollback()
                log.exception("scheduler tick failed")

    def run(self) -> None:
        """Tick until stopped, then let go of the lease."""
        interval = float(self.app.config["SCHEDULER_TICK_SECONDS"])
        self.tick()
        while not self.stopping.wait(interval):
            self.tick()
        if self.holding:
            with self.app.app_context():
                try:
                    release_lease(self.me)
                except Exception:
                    log.exception("could not release the scheduler lease")
