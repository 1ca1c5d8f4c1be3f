"""Dashboard benchmark: the manager's insight pages over a year of a busy warehouse.

    .venv/bin/python bench/dashboard.py                 # 2,000,000 shipments, 300,000 answers
    .venv/bin/python bench/dashboard.py --shipments 200000 --feedback 30000   # a quick run
    .venv/bin/python bench/dashboard.py --url postgresql+psycopg://…  # reuse a loaded database

A throwaway PostgreSQL 15 (initdb on a free port, fsync off: the load is not what is
measured) gets the schema through the migrations, then a generator written in SQL
(generate_series, loaded as a restore: secondary indexes built afterwards, FK triggers
off): 3 sites with 4 stations each, 40 packers (each at one station), `--shipments` orders
and shipments spread evenly over the last 12 months (daytime hours), and `--feedback`
answers on a spread of those shipments (ratings mostly 4–5, a comment on one in three,
"damaged" in some; drawn from independent hashes), then the roll-up and the worklist
flags, then VACUUM ANALYZE. `--load-only` keeps the server for later `--url` runs.

Each page is then requested `--repeat` times through the app (Flask's test client, a
signed-in manager or a signed-in packer at a station: the app's and the database's time,
without an HTTP server), and the table gives p50/p95 per page beside GET /healthz in the
same run (the baseline), with the database's share: every statement of one more request
run again under EXPLAIN (ANALYZE, BUFFERS). The slowest plan of each slow page follows,
then the roll-up's per-packer read against the same sums straight from the base tables.
While the pages are measured the warehouse works on (`Warehouse`: a parcel every 7.9 s and
an answer every 53 s, the year's pace), unless `--still`.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.servers import PostgresServer  # noqa: E402 (needs the root on sys.path)

PASSWORD = "bench password 1"
PACKERS, SITES, STATIONS_PER_SITE = 40, 3, 4
GOAL_MS = 150

GENERATE = """
INSERT INTO integrations (slug, kind, default_language, created_at)
VALUES ('bench', 'standard', 'da', now());
INSERT INTO sites (id, name, time_zone, created_at) VALUES
  (1, 'Aarhus', 'Europe/Copenhagen', now()), (2, 'Malmö', 'Europe/Stockholm', now()),
  (3, 'Oslo', 'Europe/Oslo', now());
INSERT INTO stations (id, name, site_id, profile, print_mode, idle_minutes, created_at)
SELECT s, 'Station ' || s, (s - 1) / {per_site} + 1, 'a6', 'browser', 10, now()
FROM generate_series(1, {stations}) AS s;
INSERT INTO packers (full_name, display_name, badge_hash, signature_consent, failed_sign_ins,
                     active, created_at)
SELECT 'Packer ' || p || ' Fullname', 'Packer ' || p, md5('badge' || p) || md5('x' || p),
       false, 0, true, now()
FROM generate_series(1, {packers}) AS p;
-- The year, evenly: shipment i is packed i/n of the way through the last 365 days,
-- moved into the day shift (06:00–18:00 UTC). Each packer works at one station.
-- Whether a shipment is answered, its language, rating and comment are drawn from
-- independent hashes of i (hashint8 with different offsets): taken from i itself, "every
-- 6th" picked only odd packers and gave each packer one rating and one comment.
CREATE TEMP TABLE gen AS
SELECT i,
       date_trunc('day', now() - interval '365 days' + (i::float8 / {n}) * interval '365 days')
         + interval '6 hours' + ((i::bigint * 7919) % 43200) * interval '1 second' AS packed_at,
       1 + (i * 7) % {packers} AS packer_id,
       abs(hashint8(i + 10000000000)::bigint) % 6 AS lang_n,
       abs(hashint8(-i)::bigint) % {k} = 0 AS answered,
       abs(hashint8(i)::bigint) % 10 AS rating_n,
       abs(hashint8(i + 20000000000)::bigint) % 3 = 0 AS commented,
       abs(hashint8(i + 30000000000)::bigint) % 6 AS text_n
FROM generate_series(1, {n}) AS i;
INSERT INTO orders (id, integration_id, external_id, number, status, first_name, last_name,
                    language, version, created_at, updated_at)
SELECT i, 1, 'o' || i, 'N' || i, 'open', 'Kunde', 'Efternavn',
       (ARRAY['da', 'da', 'sv', 'nb', 'de', 'en'])[1 + lang_n], packed_at, packed_at, packed_at
FROM gen;
INSERT INTO shipments (id, order_id, packer_id, station_id, site_id, packed_at)
SELECT i, i, packer_id, 1 + (packer_id - 1) % {stations},
       ((packer_id - 1) % {stations}) / {per_site} + 1, packed_at
FROM gen;
INSERT INTO cards (id, shipment_id, packer_id, station_id, token, created_at, print_count)
SELECT i, i, packer_id, 1 + (packer_id - 1) % {stations}, md5('t' || i), packed_at, 1
FROM gen;
-- Answers on one card in k, two days after packing, credited as the app does: the card's
-- packer and its station's site (no repacks here: the shipment's too).
INSERT INTO feedback (card_id, packer_id, site_id, rating, comment, language, created_at,
                      updated_at)
SELECT i, packer_id, ((packer_id - 1) % {stations}) / {per_site} + 1,
       (ARRAY[1, 2, 3, 4, 4, 5, 5, 5, 5, 5])[1 + rating_n],
       CASE WHEN commented THEN
         (ARRAY['Tak, alt kom frem perfekt', 'Box was damaged on arrival', 'Smukt pakket',
                'Schnell und gut verpackt', 'One cup arrived broken', 'Fint!'])[1 + text_n]
       END,
       (ARRAY['da', 'da', 'sv', 'nb', 'de', 'en'])[1 + lang_n],
       packed_at + interval '2 days', packed_at + interval '2 days'
FROM gen WHERE answered AND packed_at + interval '2 days' < now();
SELECT setval(pg_get_serial_sequence('orders', 'id'), {n});
SELECT setval(pg_get_serial_sequence('shipments', 'id'), {n});
SELECT setval(pg_get_serial_sequence('cards', 'id'), {n});
SELECT setval(pg_get_serial_sequence('stations', 'id'), {stations});
SELECT setval(pg_get_serial_sequence('sites', 'id'), 3);
DROP TABLE gen;
"""


def load(url: str, shipments: int, feedback: int) -> float:
    """Create the schema and the year of data; return the seconds it took."""
    import psycopg

    from greetings import create_app
    from greetings.extensions import db
    from greetings.staff.service import create_user

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-dash-")})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        create_user("manager@example.com", PASSWORD, "manager")
        db.session.commit()
        db.engine.dispose()
    sql = GENERATE.format(n=shipments, k=max(1, shipments // feedback), packers=PACKERS,
                          stations=SITES * STATIONS_PER_SITE, per_site=STATIONS_PER_SITE)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as connection:
        step = time.perf_counter()
        # A bulk load as a restore does it: the big tables' secondary indexes and unique
        # constraints are dropped and built once afterwards (a sort each, instead of
        # millions of b-tree insertions), and the foreign-key triggers do not fire (the
        # generator's ids are consistent by construction; the server is throwaway).
        connection.execute("SET maintenance_work_mem = '256MB'")
        connection.execute("SET session_replication_role = replica")
        rebuild = _drop_secondary(connection)
        connection.execute(sql)
        print(f"  rows inserted in {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        for statement in rebuild:
            connection.execute(statement)
        connection.execute("SET session_replication_role = DEFAULT")
        print(f"  {len(rebuild)} indexes built in {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        # What autovacuum would have done to a year-old table: statistics and the
        # visibility map (index-only scans).
        connection.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - step:.0f} s")
    loaded = time.perf_counter() - started
    with app.app_context():
        from greetings.insight import rollup
        started = time.perf_counter()
        days = rollup.refresh("Europe/Copenhagen")
        db.session.commit()
        print(f"  roll-up built: {days} days in {time.perf_counter() - started:.1f} s")
        from greetings.insight import attention
        started = time.perf_counter()
        flagged = attention.refresh()  # the generator's rows were written without the flag
        db.session.commit()
        print(f"  worklist flags set on {flagged} answers in "
              f"{time.perf_counter() - started:.1f} s")
        db.engine.dispose()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as connection:
        # The flags rewrote a third of feedback: its visibility map again (index-only
        # scans of the worklist's partial index), as autovacuum would.
        connection.execute("VACUUM ANALYZE feedback, insight_days, insight_weeks")
    return loaded


BIG_TABLES = ["orders", "shipments", "cards", "feedback"]


def _drop_secondary(connection) -> list[str]:
    """Drop the big tables' indexes and unique constraints (primary keys stay); return
    the statements that make them again, exactly as the migrations defined them."""
    constraints = connection.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE t.relname = ANY(%s) AND c.contype = 'u'", (BIG_TABLES,)).fetchall()
    indexes = connection.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (BIG_TABLES,)).fetchall()
    rebuild = []
    for table, name, definition in constraints:
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        connection.execute(f"DROP INDEX {name}")
        rebuild.append(definition)
    return rebuild


class RefreshClock:
    """Times the roll-up's refresh (greetings.insight.rollup.refresh) inside each request,
    so the table can say which slow requests were the ones that brought it up to date."""

    def __init__(self):
        from greetings.insight import rollup

        self.module, self.original = rollup, rollup.refresh
        self.calls: list[tuple[float, int]] = []
        rollup.refresh = self._timed

    def _timed(self, *args, **kwargs):
        started = time.perf_counter()
        days = self.original(*args, **kwargs)
        self.calls.append(((time.perf_counter() - started) * 1000, days))
        return days

    def take(self) -> tuple[float, int]:
        """The refresh time (ms) and days rebuilt since the last take."""
        calls, self.calls = self.calls, []
        return sum(ms for ms, _days in calls), sum(days for _ms, days in calls)

    def close(self):
        self.module.refresh = self.original


def timed(client, path: str, repeat: int, clock: RefreshClock
          ) -> tuple[list[float], int, list[tuple[float, int]]]:
    """Request a page `repeat` times (after one warm-up); return the times in ms, the
    size and each request's refresh (ms, days rebuilt)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    size = len(response.get_data())
    times, refreshes = [], []
    clock.take()
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        refreshes.append(clock.take())
        assert response.status_code == 200, (path, response.status_code)
    return times, size, refreshes


def row(label: str, times: list[float], size: int, plans: list,
        refreshes: list[tuple[float, int]]) -> str:
    """One line of the table: a page's times, size, the database's share, and the
    refresh of the roll-up inside the requests (how many rebuilt a day, the slowest)."""
    met = "(baseline)" if "baseline" in label else ("yes" if p95(times) <= GOAL_MS else "no")
    rebuilt = [ms for ms, days in refreshes if days]
    refresh = (f"{len(rebuilt)} | {max(rebuilt):.1f}" if rebuilt else
               f"0 | {max((ms for ms, _days in refreshes), default=0.0):.1f}")
    return (f"| {label} | {statistics.median(times):.1f} | {p95(times):.1f} | "
            f"{max(times):.1f} | {size / 1024:.1f} | {len(plans)} | "
            f"{sum(plan[0] for plan in plans):.1f} | {refresh} | {met} |")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def station_client(app):
    """A browser set up as station 1 with packer 1 signed in (badge 'badge1')."""
    from greetings.extensions import db
    from greetings.models import Packer
    from greetings.station.service import badge_hash

    with app.app_context():
        db.session.get(Packer, 1).badge_hash = badge_hash("BENCH-1")
        db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": "manager@example.com", "password": PASSWORD})
    client.post("/station/setup", data={"name": "Station 1", "site_name": "Aarhus", "profile": "a6",
                                        "print_mode": "browser", "idle_minutes": "60",
                                        "join": "y"})
    client.post("/staff/logout")
    client.post("/station/badge", data={"badge": "BENCH-1"})
    return client


def measure(url: str, repeat: int, only: list[str]) -> list[tuple[str, list[float], int]]:
    """Time every page; return (label, times, bytes)."""
    from greetings import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-dash-")})
    # First: signing out at the station ends every session of that staff user.
    station = station_client(app)
    manager = app.test_client()
    manager.post("/staff/login", data={"email": "manager@example.com", "password": PASSWORD})
    try:  # what wsgi.py does once the app is made (since 2026-11-30)
        from greetings.ops.memory import freeze_startup_objects
    except ImportError:
        print("(this app's wsgi.py does not freeze its startup objects)")
    else:
        print(f"startup objects frozen, as wsgi.py does: {freeze_startup_objects():,}")
    pages = [
        ("GET /healthz (baseline)", "/healthz", app.test_client()),
        ("dashboard, last 12 weeks (default)", "/admin/dashboard", manager),
        ("dashboard, 12 weeks, one site", "/admin/dashboard?site=2", manager),
        ("dashboard, 12 weeks, one language", "/admin/dashboard?lang=sv", manager),
        ("dashboard, 4 weeks", "/admin/dashboard?start={four}", manager),
        ("dashboard, 12 months", "/admin/dashboard?start={year}", manager),
        ("dashboard, 12 months, one site", "/admin/dashboard?start={year}&site=3", manager),
        ("dashboard, 12 months, one language", "/admin/dashboard?start={year}&lang=de",
         manager),
        ("worklist, open, 12 weeks", "/admin/worklist", manager),
        ("worklist, open, 12 months", "/admin/worklist?start={year}", manager),
        ("worklist, all, 12 months", "/admin/worklist?start={year}&status=all", manager),
        ("worklist, 12 months, one site, page 20",
         "/admin/worklist?start={year}&site=2&status=all&page=20", manager),
        ("moderation (feedback) page", "/admin/feedback", manager),
        ("weekly digest page", "/admin/digest", manager),
        ("packer's own page at the station", "/station/me", station),
        ("CSV export, 4 weeks", "/admin/dashboard.csv?start={four}", manager),
        ("CSV export, 12 months (all answers)", "/admin/dashboard.csv?start={year}", manager),
    ]
    from datetime import date, timedelta
    today = date.today()
    dates = {"four": (today - timedelta(weeks=4)).isoformat(),
             "year": (today - timedelta(days=364)).isoformat()}
    results = []
    clock = RefreshClock()
    for label, path, client in pages:
        if only and "baseline" not in label and not any(word in label for word in only):
            continue
        # A year of answers as CSV is a download of tens of MB, not a page: a few suffice.
        times, size, refreshes = timed(
            client, path.format(**dates),
            min(repeat, 3) if "CSV export, 12 months" in label else repeat, clock)
        plans = [] if "baseline" in label else statements(app, client, path.format(**dates))
        results.append((label, times, size, plans, refreshes))
        print(row(label, times, size, plans, refreshes), flush=True)
    clock.close()
    return results


def statements(app, client, path: str) -> list[tuple[float, str, str]]:
    """Request the page once more, catching its statements, and EXPLAIN (ANALYZE,
    BUFFERS) each with its own parameters, in order, in one transaction that is rolled
    back (writes too: the roll-up's refresh); return (execution ms, SQL, plan), slowest
    first.

    The sum is the database's share of the page; the rest of the page's time is the app
    (Python, templates) and the round trips."""
    from sqlalchemy import event

    from greetings.extensions import db

    with app.app_context():
        engine = db.engine
    caught = []

    def catch(_connection, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE",
                                                  "DELETE")):
            caught.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", catch)
    try:
        client.get(path).get_data()
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in caught:
            lines = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                               parameters).scalars().all()
            ms = next((float(line.split(":")[1].split()[0]) for line in lines
                       if line.startswith("Execution Time")), 0.0)
            plans.append((ms, statement, "\n".join(lines)))
        connection.rollback()
    return sorted(plans, key=lambda plan: -plan[0])


def explain(url: str) -> list[tuple[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) the dashboard's per-packer read (12 weeks, from the
    roll-up), the same sum straight over shipments and feedback (what the roll-up saves),
    and the rebuild of one day of the roll-up."""
    from datetime import date

    from greetings import create_app
    from greetings.extensions import db
    from greetings.insight import queries, rollup
    from greetings.insight.service import default_period
    from greetings.models import Card, Feedback, Shipment

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-dash-")})
    plans = []
    with app.app_context():
        scope = default_period(date.today()).scope("Europe/Copenhagen")
        summed, rows = queries._scoped(lambda rows: [rows.c.packer_id], scope)
        summed = summed.group_by(rows.c.packer_id)
        ratings = [db.func.count(db.case((Feedback.rating == value, 1)))
                   for value in queries.RATINGS]
        direct = (db.select(Shipment.packer_id, db.func.count(Shipment.id),
                            db.func.count(Feedback.id), db.func.sum(Feedback.rating), *ratings)
                  .select_from(Shipment).join(Card, Card.shipment_id == Shipment.id)
                  .outerjoin(Feedback, Feedback.card_id == Card.id)
                  .where(Shipment.packed_at >= scope.start, Shipment.packed_at < scope.end)
                  .group_by(Shipment.packer_id))
        for label, query in (("per packer, 12 weeks, from the roll-up", summed),
                             ("the same straight from shipments + feedback", direct)):
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            rows = db.session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%")).scalars().all()
            plans.append((label, "\n".join(rows)))
        zones = rollup._zones("Europe/Copenhagen")
        yesterday = date.today() - timedelta_days(1)
        started = time.perf_counter()
        rollup._rebuild_day(yesterday, zones)
        db.session.commit()
        plans.append(("rebuild of one day of the roll-up (yesterday)",
                      f"{(time.perf_counter() - started) * 1000:.1f} ms"))
        if "packers" in inspect.signature(rollup._rebuild_day).parameters:  # not before 11-30
            for packers in ({1}, set(range(1, 16))):
                started = time.perf_counter()
                rollup._rebuild_day(yesterday, zones, packers)
                rollup._rebuild_week(yesterday - timedelta_days(yesterday.weekday()), packers)
                db.session.commit()
                plans.append((f"rebuild of {len(packers)} packer(s)' rows of that day and "
                              "its week", f"{(time.perf_counter() - started) * 1000:.1f} ms"))
    return plans


class Warehouse(threading.Thread):
    """The warehouse at work while the pages are measured: a parcel packed every
    `every` seconds and an answer given every `answer_every` seconds (the generated
    year's pace in its 12-hour day shift: 2,000,000 parcels and 300,000 answers a year
    are one every 7.9 s and 53 s), written in SQL as the app would store them, stamped
    with the present.

    Without it a sitting after the day shift (18:00 UTC) finds nothing new, and one in
    the afternoon finds new rows at whatever moments the generator put them: the pages'
    work to bring the roll-up up to date is part of what a manager waits for."""

    def __init__(self, url: str, every: float, answer_every: float):
        super().__init__(daemon=True)
        self.url, self.every, self.answer_every = url, every, answer_every
        self.stopped = threading.Event()
        self.parcels = self.answers = 0

    def run(self):
        import psycopg

        with psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as connection:
            started = time.monotonic()
            while not self.stopped.wait(self.every):
                self._pack(connection)
                due = int((time.monotonic() - started) / self.answer_every)
                while self.answers < due:
                    self._answer(connection)

    def _pack(self, connection):
        packer = 1 + self.parcels % PACKERS
        station = 1 + (packer - 1) % (SITES * STATIONS_PER_SITE)
        with connection.transaction():
            order = connection.execute(
                "INSERT INTO orders (integration_id, external_id, number, status, first_name, "
                "last_name, language, version, created_at, updated_at) SELECT 1, 'w' || n, "
                "'W' || n, 'open', 'Kunde', 'Efternavn', 'da', t, t, t FROM (SELECT "
                "nextval('bench_warehouse') AS n, now() AT TIME ZONE 'utc' AS t) AS x "
                "RETURNING id").fetchone()[0]
            shipment = connection.execute(
                "INSERT INTO shipments (order_id, packer_id, station_id, site_id, packed_at) "
                "VALUES (%s, %s, %s, %s, now() AT TIME ZONE 'utc') RETURNING id",
                (order, packer, station, (station - 1) // STATIONS_PER_SITE + 1)).fetchone()[0]
            connection.execute(
                "INSERT INTO cards (shipment_id, packer_id, station_id, token, created_at, "
                "print_count) VALUES (%s, %s, %s, md5('w' || %s::text), "
                "now() AT TIME ZONE 'utc', 1)", (shipment, packer, station, shipment))
        self.parcels += 1

    def _answer(self, connection):
        # An answer to a parcel of the last days that has none yet, as customers give them.
        connection.execute(
            "INSERT INTO feedback (card_id, packer_id, site_id, rating, language, created_at, "
            "updated_at) SELECT c.id, c.packer_id, s.site_id, 4, 'da', now() AT TIME ZONE "
            "'utc', now() AT TIME ZONE 'utc' FROM cards c JOIN shipments s ON "
            "s.id = c.shipment_id WHERE c.id = (SELECT max(id) FROM cards) - 5000 - %s "
            "ON CONFLICT DO NOTHING", (self.answers * 7,))
        self.answers += 1


def _warehouse_sequence(url: str) -> None:
    """The numbers of the warehouse's orders, kept across runs on the same database."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as connection:
        connection.execute("CREATE SEQUENCE IF NOT EXISTS bench_warehouse")


def timedelta_days(days: int):
    from datetime import timedelta
    return timedelta(days=days)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=2_000_000)
    parser.add_argument("--feedback", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--url", help="an already loaded database (skips the load)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL server running and print its URL")
    parser.add_argument("--load-only", action="store_true",
                        help="load, keep the server and print its URL; measure nothing "
                             "(measure later with --url, so the lock is held in turns)")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="measure only the pages whose label holds WORDS (repeatable)")
    parser.add_argument("--still", action="store_true",
                        help="measure a warehouse at rest: no parcels or answers come in "
                             "while the pages are measured")
    parser.add_argument("--plans", action="store_true",
                        help="print the slowest plan of every page, not only of slow ones")
    args = parser.parse_args()
    os.environ.setdefault("GREETINGS_LOG_LEVEL", "WARNING")
    server = None
    url = args.url
    try:
        if url is None:
            server = PostgresServer().start()
            url = server.create_database("dashboard")
            seconds = load(url, args.shipments, args.feedback)
            print(f"loaded {args.shipments:,} shipments and ~{args.feedback:,} answers "
                  f"in {seconds:.0f} s")
            if args.load_only:
                args.keep = True
                return
        print(f"\n{args.repeat} requests per page after one warm-up; goal p95 <= {GOAL_MS} ms\n")
        print("| page | p50 ms | p95 ms | max ms | KB | statements | DB ms (EXPLAIN) "
              "| requests that rebuilt | slowest refresh ms | goal met |")
        print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
        warehouse = None
        if not args.still:
            seconds_a_year = 365 * 12 * 3600  # the generator's day shift
            warehouse = Warehouse(url, seconds_a_year / args.shipments,
                                  seconds_a_year / args.feedback)
            _warehouse_sequence(url)
            warehouse.start()
        try:
            results = measure(url, args.repeat, args.only)
        finally:
            if warehouse is not None:
                warehouse.stopped.set()
                warehouse.join()
                print(f"\nwhile measuring, the warehouse packed {warehouse.parcels} parcels "
                      f"and took {warehouse.answers} answers", flush=True)
        slow = [f"{label}: {ms:.0f} ms, of which the roll-up's refresh {spent:.0f} ms "
                f"({days} day(s) rebuilt)"
                for label, times, _size, _plans, refreshes in results
                for ms, (spent, days) in zip(times, refreshes, strict=True)
                if ms > GOAL_MS and "CSV" not in label]
        print("\nrequests over the goal:" if slow else "\nno request over the goal",
              *slow, sep="\n  ")
        for label, times, _size, plans, _refreshes in results:
            if plans and (p95(times) > GOAL_MS or args.plans):
                ms, statement, plan = plans[0]
                print(f"\n--- {label}: slowest statement {ms:.1f} ms of "
                      f"{sum(p[0] for p in plans):.1f} ms\n{statement}\n{plan}")
        for label, plan in explain(url):
            print(f"\n{label}:\n{plan}")
    finally:
        if server is not None and not args.keep:
            server.stop()
        elif server is not None:
            print(f"\nkept: {url} (data in {server.base_dir})")


if __name__ == "__main__":
    main()
