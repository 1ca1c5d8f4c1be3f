"""A second process beside each server process, which renders the lower half of a card's image.

A station waits for its card's image (raster.print_image) on every scan: PDFium's drawing
and the JPEG encoding take ~23 ms of one core for an A6 card at 300 dpi, the largest part
of the server's answer, while the machine's other core sits idle. Split across two
processes it takes less (docs/benchmarks.md, issue 9, "the card's lower half in a helper
process"). A thread cannot do it: PDFium is not thread-safe, and PIL's encoder and
PDFium's calls back into Python take turns on the GIL (two threads measured no faster).

Why by hand and not multiprocessing's pools: their worker imports the `greetings` package
to find the function it runs, 121 MB of Flask, SQLAlchemy and the rest in every helper;
this one runs this file as a script and loads raster.py alone (~35 MB). And a helper that
hangs must be killed and the card drawn here instead, after a bounded wait, which a pool
cannot do to a running task. One helper serves one request at a time: a pipe is enough.

The helper leaves when its parent does, however the parent ends (its end of the socket
closes). Knows nothing of Flask or the database.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

log = logging.getLogger(__name__)

# How long a request waits for the helper's strips before drawing them itself: the lower
# half takes ~10 ms; far beyond that the helper is stuck or starved, and is replaced.
WAIT_S = 2.0
# A helper that failed this many times in a row in one process is not started again.
GIVE_UP_AFTER = 3
_READY = "ready"


class Helper:
    """One helper process for this process, started on first use, used by one request at a time."""

    def __init__(self):
        self._pid = os.getpid()
        self._busy = threading.Lock()  # one request at a time (gthread workers share it)
        self._process: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._failures = 0

    def warm(self) -> bool:
        """Start the helper if it is not running; return whether it is ready for work."""
        if self._failures >= GIVE_UP_AFTER or not self._busy.acquire(blocking=False):
            return False
        try:
            return self._is_ready()
        except (OSError, EOFError, ValueError) as error:
            self._failed(f"starting: {error!r}")
            return False
        finally:
            self._busy.release()

    def start(self, pdf: bytes, dpi: int, grey: bool, bounds) -> Pending | None:
        """Send the strips `bounds` of `pdf` to be drawn; None when the helper cannot take them.

        None while the helper is starting (the first card of a process is drawn here),
        busy with another request's card, or given up on. Otherwise the caller must call
        the Pending's `result()` exactly once.
        """
        if self._failures >= GIVE_UP_AFTER or not self._busy.acquire(blocking=False):
            return None
        try:
            if self._is_ready():
                self._conn.send((pdf, dpi, grey, list(bounds)))
                return Pending(self)
        except (OSError, EOFError, ValueError) as error:
            self._failed(f"sending: {error!r}")
        self._busy.release()
        return None

    def _is_ready(self) -> bool:
        if self._process is None or self._process.poll() is not None:
            if self._process is not None:
                self._failed(f"it ended with {self._process.returncode}")
                if self._failures >= GIVE_UP_AFTER:
                    return False
            self._spawn()
            return False
        if not self._ready and self._conn.poll(0):
            self._ready = self._conn.recv() == _READY
        return self._ready

    def _collect(self):
        try:
            if not self._conn.poll(WAIT_S):
                self._failed(f"no answer in {WAIT_S} s")
                return None
            ok, value = self._conn.recv()
            if not ok:
                self._failed(value)
                return None
            self._failures = 0
            return value
        except (OSError, EOFError) as error:
            self._failed(repr(error))
            return None
        finally:
            self._busy.release()

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            # -I: the helper sees neither the environment's PYTHON* settings nor the
            # current folder, only this interpreter's own packages (PDFium, Pillow).
            self._process = subprocess.Popen(
                [sys.executable, "-I", __file__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL)
        self._conn = Connection(ours.detach())
        self._ready = False

    def _failed(self, why: str) -> None:
        self._failures += 1
        log.warning("card raster helper failed (%s); %s", why,
                    "not used again in this process" if self._failures >= GIVE_UP_AFTER
                    else "starting a new one")
        self.stop()

    def stop(self) -> None:
        """End the helper process (a new one starts on the next use)."""
        if self._process is not None and self._pid == os.getpid():
            self._conn.close()
            self._process.kill()
            self._process.wait(5)
        self._process = self._conn = None
        self._ready = False

    @property
    def pid(self) -> int | None:
        """The helper process's id, while there is one."""
        return self._process.pid if self._process is not None else None


class Pending:
    """Strips the helper is drawing: `result()` gives them as (data, top, rows), or None."""

    def __init__(self, helper: Helper):
        self._helper = helper

    def result(self):
        """The helper's strips, or None if it failed (the caller then draws them itself)."""
        return self._helper._collect()


_helper: Helper | None = None


def helper_for_this_process() -> Helper:
    """The helper of the calling process (a forked child gets its own, not its parent's)."""
    global _helper
    if _helper is None or _helper._pid != os.getpid():
        _helper = Helper()
    return _helper


# An empty A6 page: drawing it loads PDFium, Pillow and the JPEG encoder before the first card.
_BLANK_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 297.6 419.5]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n")


def serve(fd: int) -> None:
    """The helper process: load raster.py, say ready, then draw what is sent, in order."""
    spec = importlib.util.spec_from_file_location(
        "greetings_card_raster", Path(__file__).with_name("raster.py"))
    raster = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = raster  # its dataclasses look their module up
    spec.loader.exec_module(raster)
    conn = Connection(fd)
    raster.render_strips(_BLANK_PDF, raster.LASER_DPI, False, [(0, 8)])
    raster.render_strips(_BLANK_PDF, raster.THERMAL_DPI, True, [(0, 8)])
    conn.send(_READY)
    while True:
        try:
            pdf, dpi, grey, bounds = conn.recv()
        except (EOFError, OSError):
            return  # the server process ended
        try:
            strips = raster.render_strips(pdf, dpi, grey, bounds)
            answer = (True, [(strip.data, strip.top, strip.rows) for strip in strips])
        except Exception as error:  # told to the parent, which draws the strips itself
            answer = (False, repr(error))
        conn.send(answer)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
