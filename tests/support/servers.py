"""Real servers for tests and benchmarks: a throwaway PostgreSQL, Redis and gunicorn.

(nginx in front of them: tests/support/nginx.py.)

Both bind to 127.0.0.1 on a free port and live in a temporary folder, so test runs and
benchmarks never share state with each other or with a developer's own database.
"""

import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Ports for the servers the tests start. Not bind(0)'s: that draws from Linux's ephemeral
# range (32768-60999), where any outgoing connection may take the port as its source port
# between the pick and the server's bind, and where another pytest-xdist worker may be
# handed the same port before the first one's server binds it. So each worker picks from a
# block of its own below that range (a run without xdist: block 0), starting at a random
# place in it (another run on the same machine most likely starts elsewhere), never twice
# while the block lasts, and only ports nothing is bound to.
PORT_BLOCK_START, PORT_BLOCK_SIZE, PORT_BLOCKS = 20_000, 1_000, 12
_ports_handed_out: set[int] = set()
_next_port: list[int] = []


def port_block() -> range:
    """The ports this process hands out: one block per pytest-xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, … under xdist
    number = int(worker[2:]) + 1 if worker[2:].isdigit() else 0
    low = PORT_BLOCK_START + (number % PORT_BLOCKS) * PORT_BLOCK_SIZE
    return range(low, low + PORT_BLOCK_SIZE)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing is bound to and no other test holds."""
    block = port_block()
    if not _next_port:
        _next_port.append(random.randrange(block.start, block.stop))
    for _ in range(len(block)):
        port = _next_port[0]
        _next_port[0] = block.start + (port + 1 - block.start) % len(block)
        if port in _ports_handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_handed_out.add(port)
        return port
    if not _ports_handed_out:
        raise OSError(f"no free port in {block.start}-{block.stop - 1}")
    # Every port of the block was handed out once: the servers of early tests are long gone.
    _ports_handed_out.clear()
    return free_port()


def stop_process_group(process: subprocess.Popen | None) -> None:
    """Stop a server started in its own session, with its children; kill it if it lingers."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def postgres_bindir() -> Path | None:
    """Find the PostgreSQL server binaries (Debian keeps them out of PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresServer:
    """A PostgreSQL cluster made with initdb in a temp dir, serving on a free port."""

    def __init__(self, fsync: bool = False):
        self.bindir = postgres_bindir()
        if self.bindir is None:
            raise FileNotFoundError("initdb not found: install Debian's postgresql package")
        # Directly under /tmp: the `postgres` user cannot enter pytest's private temp dirs.
        self.base_dir = Path(tempfile.mkdtemp(prefix="greetings-pg-"))
        self.data_dir = self.base_dir / "data"
        self.port = free_port()
        self.fsync = fsync
        # initdb refuses to run as root, so as root the cluster belongs to `postgres`.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self):
        """Create the cluster and start the server; return self."""
        if self.run_as:
            shutil.chown(self.base_dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.resume()
        return self

    def _options(self) -> str:
        options = (f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200")
        if not self.fsync:
            options += " -c synchronous_commit=off -c full_page_writes=off"
        return options

    def stop(self):
        """Stop the server quickly and remove its files."""
        self.halt()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def halt(self, mode: str = "immediate"):
        """Stop the server but keep its data (an outage); `resume` starts it again.

        "immediate" drops every connection at once, as a crash or a failover does;
        "fast" is a clean shutdown. Without `fsync=True` (synchronous_commit off) an
        immediate stop may lose the last commits: tests that count rows across a restart
        need a durable server.
        """
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)

    def resume(self):
        """Start the halted server again on the same port with the same data."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", self._options(), "-w", "-t", "60",
                  "-l", str(self.base_dir / "server.log"), "start")

    def restart(self, mode: str = "immediate"):
        """Halt and resume: every open connection is cut, the data stays."""
        self.halt(mode)
        self.resume()

    def url(self, database="postgres") -> str:
        """Return the SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of `template`) and return its URL."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def _run(self, program, *args, check=True):
        command = [*self.run_as, str(self.bindir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}")
        return result


class GunicornServer:
    """The real app under gunicorn with the repo's gunicorn.conf.py, as production runs it.

    Settings reach gunicorn.conf.py through its environment variables (GREETINGS_BIND,
    GREETINGS_WORKERS, GREETINGS_THREADS, GREETINGS_ACCESS_LOG, GREETINGS_METRICS_BIND);
    the access log (JSON lines) goes to `access.log` and gunicorn's own log to
    `gunicorn.log` in the instance folder, the metrics files to `metrics/` beside them.
    """

    def __init__(self, instance_path: Path, database_url: str, workers: int = 2,
                 extra_env: dict | None = None, threads: int = 1, metrics_bind: bool = False):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.instance_path = Path(instance_path)
        self.workers = workers
        # Above 1, gunicorn's gthread workers: a thread waiting on a commit's fsync no longer
        # holds the whole worker.
        self.threads = threads
        self.metrics_port = free_port() if metrics_bind else None
        self.env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(instance_path),
                    "GREETINGS_DATABASE_URL": database_url,
                    "GREETINGS_BIND": f"127.0.0.1:{self.port}",
                    "GREETINGS_WORKERS": str(workers), "GREETINGS_THREADS": str(threads),
                    "GREETINGS_ACCESS_LOG": str(self.instance_path / "access.log"),
                    "PROMETHEUS_MULTIPROC_DIR": str(self.instance_path / "metrics"),
                    "GUNICORN_CMD_ARGS": "", **(extra_env or {})}
        if self.metrics_port:
            self.env["GREETINGS_METRICS_BIND"] = f"127.0.0.1:{self.metrics_port}"
        self.process = None

    def start(self, timeout=120.0, migrate=True):
        """Migrate the database (unless told not to), start gunicorn, wait for /healthz.

        A database that does not exist yet as a SQLite file, or one made by
        `templates.postgres_copy`, becomes a copy of the migrated template instead of
        running `init-db` (the same migrations, in a Python of their own).
        Generous: four workers importing the app on two busy cores can take half a minute.
        """
        from tests.support.templates import migrated_copy

        self.instance_path.mkdir(parents=True, exist_ok=True)
        (self.instance_path / "metrics").mkdir(exist_ok=True)
        if migrate and not migrated_copy(self.env["GREETINGS_DATABASE_URL"]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "greetings", "init-db"],
                           env=self.env, cwd=ROOT, check=True, capture_output=True)
        log = open(self.instance_path / "gunicorn.log", "ab")  # noqa: SIM115 (lives with the server)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
        )
        self.wait_until_up(timeout)
        return self

    def wait_until_up(self, timeout=30.0):
        """Wait until /healthz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {timeout}s: {self.log_text()}")

    def kill(self, sig=signal.SIGKILL):
        """Kill the master and its workers at once (`kill -9` of a server), no clean-up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(10)

    def worker_pids(self) -> list[int]:
        """Return the pids of gunicorn's workers (children of the master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def cli(self, *args) -> str:
        """Run a `flask --app greetings` command against this server's database."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "greetings", *args],
                                env=self.env, cwd=ROOT, check=True, capture_output=True,
                                text=True)
        return result.stdout

    def cli_here(self, *args) -> str:
        """Run a `flask --app greetings` command in this process against this server's
        database, with its settings; return what it printed.

        The same command as `cli` runs, on the same database: only the start of a new Python
        (seconds of imports on a busy machine) is saved, for tests that merely set up data.
        """
        from unittest import mock

        from greetings import create_app
        from greetings.extensions import db

        with mock.patch.dict(os.environ, self.env, clear=True):
            app = create_app()
            try:
                result = app.test_cli_runner().invoke(args=list(args))
            finally:
                with app.app_context():
                    db.engine.dispose()
        if result.exit_code != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.output}") \
                from result.exception
        return result.stdout

    def log_text(self) -> str:
        """Return what gunicorn (and the app) wrote to the error log."""
        path = self.instance_path / "gunicorn.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def log_lines(self) -> list[dict]:
        """Return the error log's JSON lines (gunicorn's and the app's records)."""
        return _json_lines(self.instance_path / "gunicorn.log")

    def access_log(self) -> list[dict]:
        """Return the access log, one dict per answered request."""
        return _json_lines(self.instance_path / "access.log")

    def stop(self):
        """Stop gunicorn and its workers."""
        stop_process_group(self.process)


def _json_lines(path: Path) -> list[dict]:
    import json

    if not path.exists():
        return []
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


class RedisServer:
    """Debian's redis-server on a free port, in a temp dir, with no persistence of its own."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise FileNotFoundError("redis-server not found: install Debian's redis-server")
        self.port = free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="greetings-redis-"))
        self.process = None

    @property
    def url(self) -> str:
        """Return the redis:// URL of database 0 on this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=15.0):
        """Start the server and wait until it answers PING; return self."""
        log = open(self.base_dir / "redis.log", "ab")  # noqa: SIM115 (lives with the server)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base_dir), "--daemonize", "no"],
            stdout=log, stderr=log, start_new_session=True, cwd=self.base_dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer in {timeout}s")

    def stop(self):
        """Stop the server and remove its files."""
        stop_process_group(self.process)
        shutil.rmtree(self.base_dir, ignore_errors=True)
