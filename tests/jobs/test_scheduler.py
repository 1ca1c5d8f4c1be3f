"""Exactly one scheduler however many workers run: the lease, the slots, two real workers."""

from datetime import datetime, timedelta

import pytest
from huey import crontab
from sqlalchemy import select

from greetings.extensions import db
from greetings.jobs import Periodic
from greetings.jobs.runs import prune_runs, run_periodic
from greetings.jobs.scheduler import (
    LeaseScheduler,
    current_lease,
    hold_lease,
    release_lease,
    schedule_due,
)
from greetings.models import JobRun, utcnow
from tests.conftest import make_app
from tests.support.worker import WorkerProcess, wait_until

TTL = timedelta(seconds=30)
T0 = datetime(2026, 3, 2, 8, 0, 0)


def test_one_holder_at_a_time_and_a_takeover_only_after_expiry(any_app):
    with any_app.app_context():
        assert hold_lease("a", TTL, T0)
        assert not hold_lease("b", TTL, T0 + timedelta(seconds=1))
        assert hold_lease("a", TTL, T0 + timedelta(seconds=5))  # still fresh: no write
        assert hold_lease("a", TTL, T0 + timedelta(seconds=25))  # renewed to T0+55
        assert not hold_lease("b", TTL, T0 + timedelta(seconds=50))
        assert hold_lease("b", TTL, T0 + timedelta(seconds=56))  # a went quiet: taken over
        assert not hold_lease("a", TTL, T0 + timedelta(seconds=57))
        lease = current_lease()
        assert (lease.holder, lease.acquired_at) == ("b", T0 + timedelta(seconds=56))
        release_lease("b")
        assert hold_lease("a", TTL)  # released: no need to wait for it to run out


def test_a_slot_is_scheduled_once_even_by_two_schedulers(any_app):
    queued = []
    job = Periodic("tick", lambda: None, every=60)
    with any_app.app_context():
        first = schedule_due("a", [job], any_app.config, lambda *args: queued.append(args),
                             {}, T0)
        again = schedule_due("b", [job], any_app.config, lambda *args: queued.append(args),
                             {}, T0 + timedelta(seconds=30))
        later = schedule_due("b", [job], any_app.config, lambda *args: queued.append(args),
                             {}, T0 + timedelta(seconds=60))
        assert (len(first), len(again), len(later)) == (1, 0, 1)
        assert [args[0] for args in queued] == ["jobs.periodic", "jobs.periodic"]
        assert [run.scheduled_by for run in db.session.execute(
            select(JobRun).order_by(JobRun.slot)).scalars()] == ["a", "b"]


def test_a_run_that_cannot_be_queued_is_taken_back_and_tried_again(app):
    job = Periodic("tick", lambda: None, every=60)

    def broken(*args):
        raise ConnectionError("queue away")

    with app.app_context():
        assert schedule_due("a", [job], app.config, broken, {}, T0) == []
        assert db.session.query(JobRun).count() == 0
        assert len(schedule_due("a", [job], app.config, lambda *a: None, {}, T0)) == 1


def test_slots_of_interval_setting_and_cron_jobs(app):
    hourly = Periodic("h", lambda: None, every=timedelta(hours=1))
    from_setting = Periodic("s", lambda: None, every="OUTBOUND_SWEEP_SECONDS")
    mondays = Periodic("w", lambda: None, cron=crontab(day_of_week="1", hour="6", minute="0"))
    monday_six = datetime(2026, 3, 2, 6, 0, 40)
    assert hourly.slot(monday_six, app.config) == hourly.slot(monday_six.replace(minute=59),
                                                              app.config)
    assert from_setting.period_seconds(app.config) == 60
    assert mondays.slot(monday_six, app.config) is not None
    assert mondays.slot(monday_six + timedelta(minutes=1), app.config) is None
    assert mondays.slot(monday_six + timedelta(days=1), app.config) is None


def test_a_run_runs_once_and_a_failure_is_recorded(app, monkeypatch):
    calls = []
    jobs = (Periodic("good", lambda: calls.append(1), every=60),
            Periodic("bad", lambda: 1 / 0, every=60))
    monkeypatch.setattr("greetings.tasks.PERIODIC", jobs)
    with app.app_context():
        good, bad = schedule_due("a", jobs, app.config, lambda *a: None, {}, T0)
        good_id, bad_id = good.id, bad.id
        assert run_periodic(good_id) and not run_periodic(good_id)  # a second message: no-op
        assert not run_periodic(bad_id)
        assert calls == [1]
        failed = db.session.get(JobRun, bad_id)
        assert "ZeroDivisionError" in failed.error and failed.finished_at
        assert prune_runs(0) == 2


def test_a_tick_survives_a_database_error(app, monkeypatch):
    scheduler = LeaseScheduler(app, "a", (), lambda *a: None)

    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr("greetings.jobs.scheduler.hold_lease", broken)
    scheduler.tick()
    assert not scheduler.holding


def runs(app, name="outbound-sweep"):
    with app.app_context():
        found = db.session.execute(
            select(JobRun).where(JobRun.name == name).order_by(JobRun.slot)).scalars().all()
        db.session.expunge_all()
        return found


def holder(app):
    with app.app_context():
        lease = current_lease()
        return lease.holder if lease and lease.expires_at > utcnow() else None


def test_two_worker_processes_one_scheduler_and_a_takeover_after_kill(tmp_path, backend):
    """Two real workers: only the lease holder schedules; killed, the other takes over."""
    app = make_app(tmp_path, backend["url"], **backend["config"])
    env = {**backend["env"], "GREETINGS_OUTBOUND_SWEEP_SECONDS": "1"}
    workers = [WorkerProcess(tmp_path, backend["url"], env, name=f"w{n}").start()
               for n in range(2)]
    try:
        wait_until(lambda: len([r for r in runs(app) if r.finished_at]) >= 5, 90,
                   "five sweeps run")
        first = holder(app)
        assert first is not None
        by_pid = {worker.pid: worker for worker in workers}
        holding = by_pid[int(first.split(":")[1])]
        other = next(worker for worker in workers if worker is not holding)
        assert {run.scheduled_by for run in runs(app)} == {first}
        holding.kill()
        wait_until(lambda: holder(app) not in (None, first), 60, "the other worker's takeover")
        second = holder(app)
        assert str(other.pid) == second.split(":")[1]
        wait_until(lambda: sum(1 for r in runs(app) if r.scheduled_by == second
                               and r.finished_at) >= 3, 60, "sweeps by the new scheduler")
        assert other.alive(), other.log_text()
    finally:
        for worker in workers:
            worker.stop()

    sweeps = runs(app)
    slots = [run.slot for run in sweeps]
    assert len(slots) == len(set(slots))
    schedulers = [run.scheduled_by for run in sweeps]
    switch = schedulers.index(second)
    assert set(schedulers[:switch]) == {first} and set(schedulers[switch:]) == {second}
    assert all(run.started_at for run in sweeps if run.finished_at)
    assert len(runs(app, "retention-purge")) == 1  # the daily job: once, not once per worker
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sigterm_gives_the_lease_back(tmp_path, backend):
    app = make_app(tmp_path, backend["url"])
    env = {"GREETINGS_SCHEDULER_LEASE_SECONDS": "600"}
    worker = WorkerProcess(tmp_path, backend["url"], env).start()
    try:
        wait_until(lambda: holder(app) is not None, 60, "the lease taken")
        assert worker.terminate() == 0, worker.log_text()
        assert holder(app) is None  # released at once, not after 600 s
    finally:
        worker.stop()
