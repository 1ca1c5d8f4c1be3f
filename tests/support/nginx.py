"""Debian's nginx with the repo's own site config, for tests and benchmarks.

`NginxServer([port_a, port_b]).start()` renders deploy/nginx/greetings.conf.template with a
free port, the given app servers and short client timeouts, wraps it in a main config whose
pid, logs and temp folders all live in a temp dir of its own, and runs nginx in the
foreground as the current user. Nothing under /etc/nginx or /var is read or written.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.servers import ROOT, free_port, stop_process_group

TEMPLATE = ROOT / "deploy" / "nginx" / "greetings.conf.template"
_PLACEHOLDER = re.compile(r"\$\{(GREETINGS_[A-Z0-9_]+)\}")


def nginx_binary() -> str | None:
    """Find Debian's nginx (in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(path)), None)


def render(template: str, values: dict) -> str:
    """Fill ${GREETINGS_…} placeholders as `envsubst '$GREETINGS_A $GREETINGS_B'` does.

    Unlike envsubst, a placeholder without a value is an error rather than an empty string.
    """
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), template)


def placeholders(template: str) -> list[str]:
    """Return the GREETINGS_ names a template needs, in order of first use."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(template)))


class NginxServer:
    """nginx in front of app servers on 127.0.0.1, configured by the repo's template."""

    def __init__(self, upstream_ports, client_timeout: str = "5s", server_options: str = ""):
        self.binary = nginx_binary()
        if self.binary is None:
            raise FileNotFoundError("nginx not found: install Debian's nginx package")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.prefix = Path(tempfile.mkdtemp(prefix="greetings-nginx-"))
        self.upstream_ports = list(upstream_ports)
        self.client_timeout = client_timeout
        # Appended to each upstream line (e.g. a shorter fail_timeout for a test).
        self.server_options = server_options or "max_fails=3 fail_timeout=10s"
        self.process = None

    def values(self) -> dict:
        """The placeholder values this server renders the template with."""
        tls = self.prefix / "tls.conf"
        tls.write_text("# no TLS in tests\n")
        servers = "\n    ".join(f"server 127.0.0.1:{port} {self.server_options};"
                                for port in self.upstream_ports)
        return {
            "GREETINGS_UPSTREAM_SERVERS": servers,
            "GREETINGS_LISTEN": f"127.0.0.1:{self.port}",
            "GREETINGS_SERVER_NAME": "localhost",
            "GREETINGS_TLS_SNIPPET": str(tls),
            "GREETINGS_ACCESS_LOG": str(self.prefix / "access.log"),
            "GREETINGS_CLIENT_TIMEOUT": self.client_timeout,
        }

    def write_config(self) -> Path:
        """Write the rendered site and a main config around it; return the main config."""
        site = self.prefix / "greetings.conf"
        site.write_text(render(TEMPLATE.read_text(), self.values()))
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / folder).mkdir(exist_ok=True)
        # As root, nginx would hand its workers to a user without access to the temp dir.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        main = self.prefix / "nginx.conf"
        main.write_text(
            f"{user}daemon off;\nworker_processes 2;\npid {self.prefix}/nginx.pid;\n"
            f"error_log {self.prefix}/error.log info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"    client_body_temp_path {self.prefix}/body;\n"
            f"    proxy_temp_path {self.prefix}/proxy;\n"
            f"    fastcgi_temp_path {self.prefix}/fastcgi;\n"
            f"    uwsgi_temp_path {self.prefix}/uwsgi;\n"
            f"    scgi_temp_path {self.prefix}/scgi;\n"
            "    default_type application/octet-stream;\n"
            f"    include {site};\n"
            "}\n")
        return main

    def check(self) -> None:
        """Run `nginx -t` on the rendered config; raise with nginx's words if it fails."""
        main = self.write_config()
        result = subprocess.run(self._command(main) + ["-t"], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {result.stderr}")

    def start(self, timeout: float = 15.0):
        """Start nginx and wait until it accepts connections; return self."""
        main = self.write_config()
        log = open(self.prefix / "stderr.log", "ab")  # noqa: SIM115 (lives with the server)
        self.process = subprocess.Popen(self._command(main), stdout=log, stderr=log,
                                        start_new_session=True, cwd=self.prefix)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen in {timeout}s: {self.error_log_text()}")

    def _command(self, main: Path) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(main),
                "-e", str(self.prefix / "error.log")]

    def access_log(self) -> list[dict]:
        """Return the access log, one dict per request."""
        path = self.prefix / "access.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def error_log_text(self) -> str:
        """Return the end of nginx's error log and what it printed at start."""
        texts = [(self.prefix / name).read_text(errors="replace")
                 for name in ("stderr.log", "error.log") if (self.prefix / name).exists()]
        return "\n".join(texts)[-4000:]

    def stop(self):
        """Stop nginx and remove its files."""
        stop_process_group(self.process)
        shutil.rmtree(self.prefix, ignore_errors=True)
