"""Real servers for tests and benchmarks: a throwaway PostgreSQL and a gunicorn.

Both bind to 127.0.0.1 on a free port and live in a temporary folder, so test runs and
benchmarks never share state with each other or with a developer's own database.
"""

import glob
import os
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


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        options = (f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200")
        if not self.fsync:
            options += " -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-w", "-t", "60",
                  "-l", str(self.base_dir / "server.log"), "start")
        return self

    def stop(self):
        """Stop the server quickly and remove its files."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop",
                  check=False)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def url(self, database="postgres") -> str:
        """Return the SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, program, *args, check=True):
        command = [*self.run_as, str(self.bindir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}")
        return result


class GunicornServer:
    """The real app under gunicorn, as production runs it."""

    def __init__(self, instance_path: Path, database_url: str, workers: int = 2,
                 extra_env: dict | None = None, threads: int = 1):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.instance_path = Path(instance_path)
        self.env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(instance_path),
                    "GREETINGS_DATABASE_URL": database_url, **(extra_env or {})}
        self.workers = workers
        # Above 1, gunicorn's gthread workers: a thread waiting on a commit's fsync no longer
        # holds the whole worker.
        self.threads = threads
        self.process = None

    def start(self, timeout=120.0):
        """Migrate the database, start gunicorn and wait until /healthz answers.

        Generous: four workers importing the app on two busy cores can take half a minute.
        """
        self.instance_path.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "greetings", "init-db"],
                       env=self.env, cwd=ROOT, check=True, capture_output=True)
        log = open(self.instance_path / "gunicorn.log", "ab")  # noqa: SIM115 (lives with the server)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
             "--threads", str(self.threads), "-b",
             f"127.0.0.1:{self.port}", "--access-logfile", "-", "--log-level", "warning",
             "wsgi:app"],
            env={**self.env, "GUNICORN_CMD_ARGS": ""}, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=log, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {timeout}s: {self.log_text()}")

    def cli(self, *args) -> str:
        """Run a `flask --app greetings` command against this server's database."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "greetings", *args],
                                env=self.env, cwd=ROOT, check=True, capture_output=True,
                                text=True)
        return result.stdout

    def log_text(self) -> str:
        """Return what gunicorn wrote to its error log."""
        path = self.instance_path / "gunicorn.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self):
        """Stop gunicorn and its workers."""
        stop_process_group(self.process)


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
