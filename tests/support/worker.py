"""The real background worker (`flask --app greetings worker`) as a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.servers import ROOT, stop_process_group

# Settings that make the worker's timing fit a test: retries within seconds, the sweep
# every second, a lease that runs out after a few seconds. Tests add or override these.
FAST = {
    "GREETINGS_OUTBOUND_ALLOW_PRIVATE": "true",
    "GREETINGS_OUTBOUND_RETRY_SCHEDULE": "[0.5, 1, 1.5]",
    "GREETINGS_OUTBOUND_SWEEP_SECONDS": "1",
    "GREETINGS_OUTBOUND_SWEEP_GRACE_SECONDS": "1",
    "GREETINGS_SCHEDULER_LEASE_SECONDS": "3",
    "GREETINGS_JOBS_POLL_SECONDS": "0.1",
}


class WorkerProcess:
    """One worker process on the given instance folder and database."""

    def __init__(self, instance_path: Path, database_url: str, env: dict | None = None,
                 threads: int = 2, name: str = "worker"):
        self.instance_path = Path(instance_path)
        self.log_path = self.instance_path / f"{name}.log"
        self.env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(instance_path),
                    "GREETINGS_DATABASE_URL": database_url, "GREETINGS_SECRET_KEY": "test",
                    **FAST, **(env or {})}
        self.threads = threads
        self.process = None

    def start(self):
        """Start the worker; return self."""
        log = open(self.log_path, "ab")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "greetings", "worker", "--verbose",
             "--threads", str(self.threads)],
            env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self):
        """kill -9: no clean-up, no lease given back, a send cut off halfway."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, as a service manager stops it; wait and return the exit code."""
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self):
        stop_process_group(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""


def wait_until(predicate, timeout: float = 60.0, what: str = "the condition", every=0.1):
    """Poll predicate() until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
