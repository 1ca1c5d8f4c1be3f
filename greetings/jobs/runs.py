"""Running one periodic job's run, once, and forgetting old runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update

from ..extensions import db
from ..models import JobRun, utcnow
from ..ops import observe_job

log = logging.getLogger(__name__)


def run_periodic(run_id: int) -> bool:
    """Run the periodic job of a scheduled run unless some worker already started it.

    Tell whether it ran. A failure is recorded on the run (and logged); the next slot runs
    the job again, so a failing job never blocks the others.
    """
    queue = current_app.extensions["jobs"]
    me, periodic_job = queue.worker_name, queue.catalog.periodic_job
    claimed = db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.started_at.is_(None))
        .values(started_at=utcnow(), started_by=me)).rowcount == 1
    db.session.commit()
    if not claimed:
        return False
    run = db.session.get(JobRun, run_id)
    name, scheduled_at = run.name, run.scheduled_at
    error = None
    try:
        job = periodic_job(name)
        if job is None:
            raise LookupError(f"no periodic job is called {name!r} any more")
        job.run()
    except Exception as failure:
        db.session.rollback()
        log.exception("periodic job %s failed", name)
        error = f"{type(failure).__name__}: {failure}"[:2000]
    finished = utcnow()
    db.session.execute(update(JobRun).where(JobRun.id == run_id)
                       .values(finished_at=finished, error=error))
    db.session.commit()
    observe_job(name, (finished - scheduled_at).total_seconds())
    return error is None


def prune_runs(days: int) -> int:
    """Delete the records of runs scheduled more than `days` ago; return how many."""
    cutoff = utcnow() - timedelta(days=days)
    count = db.session.execute(delete(JobRun).where(JobRun.scheduled_at < cutoff)).rowcount
    db.session.commit()
    return count
