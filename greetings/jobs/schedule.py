"""When periodic jobs are due: each run belongs to one numbered time slot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

EPOCH = datetime(1970, 1, 1)


def setting_on(value) -> bool:
    """Read a yes/no setting that may come from the environment as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class Periodic:
    """A job the scheduler enqueues once per slot.

    Give either `every` (seconds, a timedelta, or the name of a setting holding seconds:
    the job runs once per period, at the first tick of each, so a worker that was down
    catches up) or `cron` (huey's `crontab(...)`, checked once per UTC minute; a minute
    nobody scheduled in is skipped).
    """

    name: str
    run: Callable[[], object]
    every: float | timedelta | str | None = None
    cron: Callable[[datetime], bool] | None = None

    def period_seconds(self, config) -> float | None:
        """Return the job's period in seconds, or None for a cron job."""
        every = self.every
        if isinstance(every, str):
            every = config[every]
        if isinstance(every, timedelta):
            every = every.total_seconds()
        return None if every is None else max(float(every), 1.0)

    def slot(self, now: datetime, config) -> int | None:
        """Return the number of the slot `now` falls in, or None if no run is due now."""
        seconds = (now - EPOCH).total_seconds()
        period = self.period_seconds(config)
        if period is not None:
            return int(seconds // period)
        minute = now.replace(second=0, microsecond=0)
        return int(seconds // 60) if self.cron(minute) else None
