"""A real CUPS server with cups-pdf queues, started by the tests in a temporary folder.

`cupsd -f` runs in the foreground on 127.0.0.1 and a free port with its own cupsd.conf,
cups-files.conf, spool, state, cache and log folders, so it never meets the system's own
cupsd (whether one runs or not) and needs no /run/cups socket.

cups-pdf is the printer: CUPS sends it PostScript made by its pdftops filter (the same
path a real PostScript printer gets) and cups-pdf turns that back into a PDF with
Ghostscript, so the file it writes shows what the print path kept of the card: page size,
text, vectors.

Two things cannot be moved out of the system:
- cups-pdf reads its configuration only from /etc/cups (a path compiled in). For a queue
  whose device URI is `cups-pdf:/NAME` it reads /etc/cups/cups-pdf-NAME.conf, so each
  queue gets its own file there (with `Out`, `Spool`, `Log` in the temporary folder),
  named after a random queue name, and removed again by `stop()`. Nothing else in
  /etc/cups is touched.
- cups-pdf is installed mode 0700 (root only) and must start as root: cupsd runs a backend
  as root only when the backend is not world-executable and cupsd itself runs as root. So
  these tests need root (`can_run()` says why not).
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.support.servers import free_port, stop_process_group

BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
PPD_DIRS = [Path("/usr/share/ppd/cups-pdf"), Path("/usr/share/cups/model")]
# What the print path needs: the daemon, the client, CUPS's PDF to PostScript filter and
# the renderer we ask it for, and the cups-pdf backend with its Ghostscript.
PROGRAMS = {
    "cupsd": "cups-daemon", "lp": "cups-client", "lpadmin": "cups-client",
    "lpstat": "cups-client", "cupsaccept": "cups-client", "cupsreject": "cups-client",
    "cupsdisable": "cups-client", "cupsenable": "cups-client",
    "pdftocairo": "poppler-utils", "gs": "ghostscript",
}


def find_ppd() -> Path | None:
    """Return cups-pdf's PPD (the one with options), wherever the distribution put it."""
    for folder in PPD_DIRS:
        for name in ("CUPS-PDF_opt.ppd", "CUPS-PDF.ppd", "CUPS-PDF_noopt.ppd"):
            if (folder / name).is_file():
                return folder / name
    return None


def missing() -> str | None:
    """Say what keeps a CUPS server with cups-pdf from running here, or None."""
    for program, package in PROGRAMS.items():
        if shutil.which(program, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            return f"{program} is not installed (Debian package {package})"
    if not BACKEND.exists() or find_ppd() is None:
        return "cups-pdf is not installed (Debian package printer-driver-cups-pdf)"
    if not Path("/usr/lib/cups/filter/pdftops").exists():
        return "CUPS's pdftops filter is not installed (Debian package cups-filters)"
    if os.geteuid() != 0:
        return "cups-pdf runs only under a cupsd started as root"
    if not os.access(CUPS_PDF_CONFIG_DIR, os.W_OK):
        return f"cups-pdf reads its per-queue config from {CUPS_PDF_CONFIG_DIR}; not writable"
    return None


class CupsServer:
    """cupsd in the foreground, configured in a temporary folder, with cups-pdf queues."""

    def __init__(self):
        # Directly under /tmp: filters run as the `lp` user and must reach the spool.
        self.base = Path(tempfile.mkdtemp(prefix="greetings-cups-"))
        self.base.chmod(0o755)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.conf = self.base / "conf"
        self.out = self.base / "out"
        self.log = self.base / "log"
        self.queues: list[str] = []
        self.process = None

    # -- the daemon ----------------------------------------------------------------------

    def start(self, timeout: float = 20.0):
        """Write the configuration, start cupsd and wait until it answers; return self."""
        for folder in ("conf/ppd", "spool/tmp", "state", "cache", "log", "out", "pdf-spool"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        (self.base / "spool").chmod(0o710)
        (self.conf / "cups-files.conf").write_text(
            f"ServerRoot {self.conf}\n"
            f"RequestRoot {self.base / 'spool'}\n"
            f"TempDir {self.base / 'spool' / 'tmp'}\n"
            f"StateDir {self.base / 'state'}\n"
            f"CacheDir {self.base / 'cache'}\n"
            f"AccessLog {self.log / 'access_log'}\n"
            f"ErrorLog {self.log / 'error_log'}\n"
            f"PageLog {self.log / 'page_log'}\n"
            "SystemGroup root lpadmin\n"
            "FileDevice No\n")
        # Loopback only, and open to anyone who reaches it: a throwaway test server.
        (self.conf / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\n"
            "LogLevel debug\n"
            "Browsing No\n"
            "BrowseLocalProtocols none\n"
            "WebInterface No\n"
            "DefaultAuthType None\n"
            "MaxJobs 0\n"
            "PreserveJobFiles No\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n    Allow all\n"
            "  </Limit>\n</Policy>\n")
        stdout = open(self.log / "cupsd.out", "ab")  # noqa: SIM115 (lives with the server)
        self.process = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.conf / "cupsd.conf"),
             "-s", str(self.conf / "cups-files.conf")],
            stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "LC_ALL": "C"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cupsd exited: {self.log_text()}")
            answer = self._client("lpstat", "-r", check=False).stdout
            if "scheduler is running" in answer:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"cupsd did not answer in {timeout}s: {self.log_text()}")

    def stop(self):
        """Stop cupsd, remove the per-queue cups-pdf configs and the temporary folder."""
        stop_process_group(self.process)
        for queue in self.queues:
            (CUPS_PDF_CONFIG_DIR / f"cups-pdf-{queue}.conf").unlink(missing_ok=True)
        shutil.rmtree(self.base, ignore_errors=True)

    def log_text(self) -> str:
        """Return the end of cupsd's error log and of cups-pdf's logs."""
        parts = []
        for path in [self.log / "cupsd.out", self.log / "error_log",
                     *sorted(self.log.glob("cups-pdf-*"))]:
            if path.exists():
                parts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    # -- queues ----------------------------------------------------------------------------

    @staticmethod
    def new_queue_name() -> str:
        """Return a queue name no other run uses (it also names a file in /etc/cups)."""
        return f"greetings-test-{uuid.uuid4().hex[:10]}"

    def add_queue(self, name: str | None = None) -> str:
        """Add an enabled cups-pdf queue writing into this server's `out` folder."""
        name = name or self.new_queue_name()
        self.queues.append(name)
        (CUPS_PDF_CONFIG_DIR / f"cups-pdf-{name}.conf").write_text(
            f"Out {self.out}\n"
            f"Spool {self.base / 'pdf-spool'}\n"
            f"GSTmp {self.base / 'pdf-spool'}\n"
            f"Log {self.log}\n"
            "LogType 7\n"
            # The job id goes into the file name, so a test finds its own job's file.
            "Label 1\n"
            "Grp lp\n")
        self._client("lpadmin", "-p", name, "-E", "-v", f"cups-pdf:/{name}",
                     "-P", str(find_ppd()))
        return name

    def reject(self, name: str):
        """Make the queue refuse new jobs (lp then fails, as with a printer taken offline)."""
        self._client("cupsreject", "-r", "out of labels", name)

    def accept(self, name: str):
        """Make the queue take jobs again."""
        self._client("cupsaccept", name)

    def disable(self, name: str):
        """Stop the queue: it still accepts jobs, which then wait (a printer paused)."""
        self._client("cupsdisable", "-r", "paused by the test", name)

    def enable(self, name: str):
        """Start the queue again."""
        self._client("cupsenable", name)

    def wait_for_pdf(self, job: str, timeout: float = 30.0) -> bytes:
        """Wait until cups-pdf finished the job ("QUEUE-7") and return the PDF it wrote."""
        number = int(job.rsplit("-", 1)[1])
        pattern = re.compile(rf"(^|[^0-9])job_{number}([^0-9]|$)")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self._client("lpstat", "-W", "completed", "-o", check=False).stdout
            if re.search(rf"^{re.escape(job)}\s", done, re.MULTILINE):
                files = [p for p in self.out.glob("*.pdf") if pattern.search(p.stem)]
                if files:
                    return files[0].read_bytes()
            time.sleep(0.1)
        raise TimeoutError(f"job {job} made no PDF in {timeout}s: {self.log_text()}")

    def pdfs(self) -> list[Path]:
        """Return the PDFs cups-pdf wrote so far."""
        return sorted(self.out.glob("*.pdf"))

    def _client(self, program, *args, check=True):
        result = subprocess.run([program, "-h", self.address, *args], capture_output=True,
                                text=True, timeout=30, env={**os.environ, "LC_ALL": "C"})
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {result.stderr}\n"
                               f"{self.log_text()}")
        return result
