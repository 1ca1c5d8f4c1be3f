"""Direct printing: a station may name a CUPS queue, and the server sends the card there."""

import contextlib
import os
import re
import subprocess
import time
from dataclasses import dataclass

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


def plain_lp_error(stderr: str, queue: str) -> str:
    """Say what an `lp` failure means for the packer, never its raw message."""
    text = stderr.lower()
    if "does not exist" in text or "not found" in text:
        return f"the printer queue {queue} does not exist on the print server"
    if "not accepting jobs" in text:
        return "the printer is not accepting jobs (it was taken offline)"
    if "unable to connect" in text or "connection refused" in text or "bad file" in text:
        return "the print server cannot be reached"
    return "the print server refused the card"


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
        raise PrintFailed(plain_lp_error(result.stderr.decode(errors="replace"), queue))
    match = re.search(r"request id is (\S+)", output)
    return match.group(1) if match else "?"


# IPP job-state values (RFC 8011 5.3.7) and printer-state (5.4.11).
JOB_PENDING, JOB_HELD, JOB_PROCESSING, JOB_STOPPED = 3, 4, 5, 6
JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 7, 8, 9
PRINTER_IDLE, PRINTER_STOPPED = 3, 5
# How long a job may wait on an idle printer before the packer is told (a busy print
# server may take a few seconds to start a job; cancelling one that would print loses it).
PENDING_GRACE_SECONDS = 20
# printer-state-reasons a packer can act on, in plain words (the rest say "check it").
REASONS = {
    "media-empty": "out of paper or labels", "media-needed": "out of paper or labels",
    "media-jam": "paper jam", "toner-empty": "out of toner", "toner-low": "toner low",
    "marker-supply-empty": "out of ink", "door-open": "a door is open",
    "cover-open": "a cover is open", "offline": "the printer is offline",
    "connecting-to-device": "the printer cannot be reached", "paused": "the printer is paused",
    "shutdown": "the printer is switched off", "input-tray-missing": "a paper tray is missing",
}


@dataclass(frozen=True)
class JobState:
    """Where a card's print job is, as a packer reads it: printing, printed or attention."""

    result: str  # "printing" | "printed" | "needs_attention"
    reason: str | None = None


def plain_reasons(reasons, stopped: bool) -> str:
    """Turn IPP printer-state-reasons into words a packer can act on."""
    words = []
    for reason in reasons or ():
        base = re.sub(r"-(report|warning|error)$", "", str(reason))
        if base in REASONS and REASONS[base] not in words:
            words.append(REASONS[base])
    if not words:
        words.append("the printer is stopped" if stopped else "the printer does not print")
    return ", ".join(words)


def _connection(server: str | None):
    import cups  # pycups, imported when a station prints directly (libcups is large)

    host, _, port = (server or "").partition(":")
    if host:
        return cups.Connection(host=host, port=int(port or 631))
    return cups.Connection()


def job_state(job: str, queue: str, server: str | None = None) -> JobState:
    """Follow a CUPS job ("QUEUE-17") through IPP and say where it is in plain words.

    A job still pending on a stopped or paused printer, or longer than a short wait on
    one that prints nothing, needs attention: it is cancelled, so that the packer's retry
    prints the card once, not twice when the printer comes back.
    """
    import cups

    try:
        number = int(job.rsplit("-", 1)[1])
        connection = _connection(server)
        attributes = connection.getJobAttributes(number)
        printer = connection.getPrinterAttributes(queue)
    except (ValueError, IndexError):
        return JobState("needs_attention", "the print job is unknown")
    except (cups.IPPError, RuntimeError) as error:
        return JobState("needs_attention", _ipp_problem(error))
    state = attributes.get("job-state")
    if state == JOB_COMPLETED:
        return JobState("printed")
    if state in (JOB_CANCELED, JOB_ABORTED):
        return JobState("needs_attention", "the printer gave up on the card")
    stopped = printer.get("printer-state") == PRINTER_STOPPED
    waited = time.time() - attributes.get("time-at-creation", time.time())
    idle = printer.get("printer-state") == PRINTER_IDLE
    if stopped or state in (JOB_HELD, JOB_STOPPED) or (
            state == JOB_PENDING and idle and waited > PENDING_GRACE_SECONDS):
        _cancel(connection, number)
        return JobState("needs_attention",
                        plain_reasons(printer.get("printer-state-reasons"), stopped))
    return JobState("printing")


def _cancel(connection, number: int) -> None:
    import cups

    # It may have ended meanwhile: then there is nothing left to cancel.
    with contextlib.suppress(cups.IPPError):
        connection.cancelJob(number)


def _ipp_problem(error) -> str:
    # pycups raises IPPError(status, message) or RuntimeError("failed to connect").
    return ("the print server cannot be reached" if isinstance(error, RuntimeError)
            else "the print server does not know this job")
