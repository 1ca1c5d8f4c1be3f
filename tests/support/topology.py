"""The production topology on one machine, for tests and benchmarks.

    with Topology(tmp_path, app_servers=2) as site:
        site.cli("integration", "add", "erp", ...)
        urllib.request.urlopen(site.base_url + "/readyz")
        site.kill_app_server(0)          # kill -9 of one app server (its workers too)
        site.restart_postgres()          # every connection cut, the data kept
        site.start_process("worker", ["flask", "--app", "greetings", "worker"])

nginx (the repo's template) in front of N gunicorn app servers (the repo's
gunicorn.conf.py) on one PostgreSQL (durable commits, so a restart loses nothing that was
answered) and one redis-server, each on a free port of 127.0.0.1 and in its own temp
folder. Every app server and extra process gets the same environment: the database, Redis
(job queue and rate limits), one secret key, PROXY_COUNT=1 and the public base URL of nginx.
"""

import subprocess
import sys
import uuid
from pathlib import Path

from tests.support.nginx import NginxServer
from tests.support.servers import (
    ROOT,
    GunicornServer,
    PostgresServer,
    RedisServer,
    stop_process_group,
)


class Topology:
    """nginx → N app servers → PostgreSQL + Redis, and any extra processes (workers)."""

    def __init__(self, base: Path, app_servers: int = 2, workers: int = 2,
                 client_timeout: str = "5s", extra_env: dict | None = None):
        self.base = Path(base)
        self.count, self.workers = app_servers, workers
        self.client_timeout = client_timeout
        self.extra_env = extra_env or {}
        self.postgres = self.redis = self.nginx = None
        self.app_servers: list[GunicornServer] = []
        self.processes: dict[str, subprocess.Popen] = {}
        self.env: dict = {}

    @property
    def base_url(self) -> str:
        """Where clients reach the site (nginx)."""
        return self.nginx.base_url

    def start(self):
        """Start PostgreSQL, Redis, the app servers (migrating once) and nginx; return self."""
        self.postgres = PostgresServer(fsync=True).start()
        self.redis = RedisServer().start()
        database_url = self.postgres.create_database(f"site_{uuid.uuid4().hex[:8]}")
        self.env = {"GREETINGS_REDIS_URL": self.redis.url, "GREETINGS_PROXY_COUNT": "1",
                    "GREETINGS_SECRET_KEY": "topology-" + uuid.uuid4().hex,
                    **self.extra_env}
        for number in range(self.count):
            server = GunicornServer(self.base / f"app{number}", database_url,
                                    workers=self.workers, extra_env=self.env)
            self.app_servers.append(server)
        self.nginx = NginxServer([server.port for server in self.app_servers],
                                 client_timeout=self.client_timeout)
        for server in self.app_servers:
            server.env["GREETINGS_PUBLIC_BASE_URL"] = self.nginx.base_url
        self.env["GREETINGS_PUBLIC_BASE_URL"] = self.nginx.base_url
        for number, server in enumerate(self.app_servers):
            server.start(migrate=number == 0)
        self.nginx.start()
        return self

    def cli(self, *args) -> str:
        """Run a `flask --app greetings` command against the site's database."""
        return self.app_servers[0].cli(*args)

    def kill_app_server(self, number: int):
        """kill -9 one app server, master and workers at once."""
        self.app_servers[number].kill()

    def restart_app_server(self, number: int):
        """Start a killed app server again on its port."""
        self.app_servers[number].start(migrate=False)

    def restart_postgres(self, mode: str = "immediate"):
        """Stop PostgreSQL (cutting every connection) and start it again."""
        self.postgres.restart(mode)

    def start_process(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start another process of the site (e.g. the job worker) with the site's settings.

        `command` starting with "flask" runs the venv's flask module; its output goes to
        `<name>.log` in the site's folder.
        """
        if command[0] == "flask":
            command = [sys.executable, "-m", "flask", *command[1:]]
        env = {**self.app_servers[0].env, **self.env}
        env.pop("GREETINGS_BIND", None)
        log = open(self.base / f"{name}.log", "ab")  # noqa: SIM115 (lives with the process)
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def stop(self):
        """Stop everything that was started, in reverse order."""
        for process in self.processes.values():
            stop_process_group(process)
        if self.nginx:
            self.nginx.stop()
        for server in self.app_servers:
            server.stop()
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()
