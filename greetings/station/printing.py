"""Direct printing: a station may name a CUPS queue, and the server sends the card there."""

import os
import re
import subprocess

from ..errors import ProblemError

# CUPS turns a PDF into an A4 bitmap by default; these keep the card's own size at 100 %
# with text and vectors (pdftocairo keeps fonts, the default renderer may rasterise).
PAGE_SIZES = {
    "a6": "Custom.105x148mm",
    "a5": "A5",
    "a4": "A4",
    "letter": "Letter",
    "thermal4x6": "Custom.4x6in",
}
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class PrintFailed(ProblemError):
    status = 502
    title = "The printer did not take the card"


def lp_command(queue: str, profile: str, title: str, server: str | None = None) -> list[str]:
    """Return the `lp` command that prints a PDF from stdin at its own size."""
    if not QUEUE_NAME.match(queue):
        raise PrintFailed("the station's printer queue name is not valid")
    command = ["lp"]
    if server:
        command += ["-h", server]
    command += ["-d", queue, "-t", title[:60], "-o", f"PageSize={PAGE_SIZES[profile]}",
                "-o", "pdftops-renderer=pdftocairo", "-o", "fit-to-page=false",
                "-o", "print-scaling=none", "-o", "scaling=100", "-"]
    return command


def send_to_cups(pdf: bytes, queue: str, profile: str, title: str,
                 server: str | None = None) -> str:
    """Send the PDF to the queue and return the CUPS job id, or raise PrintFailed."""
    command = lp_command(queue, profile, title, server)
    try:
        result = subprocess.run(command, input=pdf, capture_output=True, timeout=20,
                                env={**os.environ, "LC_ALL": "C"})
    except FileNotFoundError as error:
        raise PrintFailed("this server has no CUPS client (lp)") from error
    except subprocess.TimeoutExpired as error:
        raise PrintFailed("the print server did not answer in 20 seconds") from error
    output = result.stdout.decode(errors="replace")
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise PrintFailed(reason[-1] if reason else "lp failed")
    match = re.search(r"request id is (\S+)", output)
    return match.group(1) if match else "?"
