"""Every job the worker runs, from every capability. To add a periodic job, add one line.

The job queue (`greetings.jobs`) is infrastructure and imports no capability; the app
hands it this module in `create_app`, so capabilities may enqueue without a cycle.

A periodic job is a function without arguments; it runs in an app context on some worker,
once per slot, and its run is recorded in `job_runs` (with the error, if it failed).
Examples: `Periodic("weekly-digest", send_digests, cron=crontab(day_of_week="1", hour="6",
minute="0"))` or `Periodic("cleanup", cleanup, every=timedelta(hours=6))`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from huey import crontab

from .extensions import db
from .insight.attention import refresh as refresh_attention
from .insight.digest import send_last_week
from .insight.rollup import refresh as refresh_insight
from .insight.service import insight_zone
from .jobs import Periodic
from .jobs.runs import prune_runs, run_periodic
from .outbound import delivery
from .outbound.service import prune_history
from .privacy import purge

log = logging.getLogger(__name__)


def retention_purge() -> None:
    """Apply the retention policy (RETENTION_DAYS)."""
    counts = purge(int(current_app.config["RETENTION_DAYS"]))
    log.info("retention purge: %s", counts)


def insight_refresh() -> None:
    """Keep the dashboard's roll-up up to date, so a page seldom has work to do."""
    refresh_insight(insight_zone())
    refresh_attention()  # the worklist's flags, after a change of its words
    db.session.commit()


def weekly_digest() -> None:
    """E-mail last week's recognition digest to the managers (when SMTP_URL is set)."""
    send_last_week()


def prune_job_history() -> None:
    """Forget old periodic runs and old delivered outbound events."""
    config = current_app.config
    runs = prune_runs(int(config["JOB_HISTORY_DAYS"]))
    events = prune_history(int(config["OUTBOUND_HISTORY_DAYS"]))
    log.info("pruned %d job run(s) and %d delivered event(s)", runs, events)


PERIODIC = (
    Periodic("retention-purge", retention_purge, every=timedelta(days=1)),
    Periodic("outbound-sweep", delivery.sweep, every="OUTBOUND_SWEEP_SECONDS"),
    Periodic("history-prune", prune_job_history, every=timedelta(days=1)),
    Periodic("insight-refresh", insight_refresh, every="INSIGHT_REFRESH_SECONDS"),
    # Monday morning, after the week is over in every European site's time zone.
    Periodic("weekly-digest", weekly_digest, cron=crontab(day_of_week="1", hour="6",
                                                          minute="0")),
)


def periodic_job(name: str) -> Periodic | None:
    """Return the periodic job of that name."""
    return next((job for job in PERIODIC if job.name == name), None)


def jobs() -> dict:
    """Return every job a message may name, by name."""
    return {"jobs.periodic": run_periodic, "outbound.deliver": delivery.deliver,
            "insight.digest": weekly_digest}
