"""The helper process that draws the lower half of a card's image: same card, never in the way."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import ImageChops

from greetings.cards import rasterhelper
from greetings.cards.raster import print_image
from greetings.cards.renderer import render_card
from tests.cards.samples import make_card
from tests.cards.test_raster import whole
from tests.support.pdf import decode_qr
from tests.support.servers import GunicornServer
from tests.support.worker import wait_until


@pytest.fixture
def helper():
    """A helper of its own (not the process's shared one), ready for work, ended after."""
    made = rasterhelper.Helper()
    wait_until(made.warm, timeout=60, what="the raster helper to start")
    yield made
    made.stop()


def process_gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie waiting for its parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except FileNotFoundError:
        return True


def same_card(one, other) -> bool:
    """Whether two card images are the same strips with the same drawing.

    PDFium may round an anti-aliased edge differently when it draws a page from a row
    further down (A5, scaled from A6: a few pixels, at most 9 levels of 255).
    """
    if [(s.top, s.rows) for s in one.strips] != [(s.top, s.rows) for s in other.strips]:
        return False
    difference = ImageChops.difference(whole(one).convert("RGB"), whole(other).convert("RGB"))
    return max(high for _, high in difference.getextrema()) <= 16


@pytest.mark.parametrize("profile", ["a6", "a5", "letter", "thermal4x6"])
def test_a_card_drawn_in_two_processes_is_the_same_card(helper, profile):
    pdf = render_card(make_card(profile=profile))
    alone = print_image(pdf, profile)
    for _ in range(3):  # the helper serves card after card
        split = print_image(pdf, profile, helper)
        assert same_card(split, alone)
    assert split.strips[0] == alone.strips[0]  # the top part is drawn here, as before
    codes = decode_qr(whole(alone))
    assert codes and decode_qr(whole(split)) == codes
    assert helper.pid is not None and not process_gone(helper.pid)


def test_a_helper_that_died_is_replaced_and_the_card_still_comes(helper):
    pdf = render_card(make_card())
    alone = print_image(pdf, "a6")
    first = helper.pid
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: process_gone(first), timeout=30, what="the helper to die")
    assert same_card(print_image(pdf, "a6", helper), alone)  # drawn here meanwhile
    wait_until(helper.warm, timeout=60, what="a new helper to start")
    assert helper.pid not in (None, first)
    assert same_card(print_image(pdf, "a6", helper), alone)


def test_a_helper_that_hangs_is_killed_after_the_wait_and_the_card_drawn_here(helper, monkeypatch):
    monkeypatch.setattr(rasterhelper, "WAIT_S", 0.5)
    pdf = render_card(make_card())
    alone = print_image(pdf, "a6")
    stuck = helper.pid
    os.kill(stuck, signal.SIGSTOP)
    try:
        assert same_card(print_image(pdf, "a6", helper), alone)
        wait_until(lambda: process_gone(stuck), timeout=30, what="the stuck helper to be killed")
    finally:
        if not process_gone(stuck):
            os.kill(stuck, signal.SIGKILL)


def test_a_card_the_helper_cannot_draw_is_drawn_here(helper):
    # An answer the helper refuses (here: a PDF it cannot open) costs only that try.
    pending = helper.start(b"%PDF-1.4 not a document", 300, False, [(0, 8)])
    assert pending is not None and pending.result() is None
    pdf = render_card(make_card())
    wait_until(helper.warm, timeout=60, what="the helper back")
    assert same_card(print_image(pdf, "a6", helper), print_image(pdf, "a6"))


def test_a_helper_given_up_on_is_not_started_again(monkeypatch):
    monkeypatch.setattr(rasterhelper.sys, "executable", "/nonexistent/python")
    broken = rasterhelper.Helper()
    for _ in range(rasterhelper.GIVE_UP_AFTER):
        assert broken.warm() is False
    assert broken.start(b"", 300, False, [(0, 8)]) is None and broken.pid is None
    pdf = render_card(make_card())
    assert print_image(pdf, "a6", broken) == print_image(pdf, "a6")


def test_one_request_at_a_time_a_second_is_drawn_here(helper):
    pending = helper.start(render_card(make_card()), 300, False, [(1000, 200)])
    assert pending is not None
    assert helper.start(b"", 300, False, [(0, 8)]) is None  # busy: the caller draws
    assert [top for _, top, _ in pending.result()] == [1000]


def test_the_helper_leaves_when_its_server_process_is_killed(tmp_path):
    script = textwrap.dedent("""
        import time
        from greetings.cards.rasterhelper import helper_for_this_process
        helper = helper_for_this_process()
        deadline = time.monotonic() + 60
        while not helper.warm() and time.monotonic() < deadline:
            time.sleep(0.05)
        print(helper.pid if helper.warm() else "none", flush=True)
        time.sleep(120)
    """)
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        answer = server.stdout.readline().strip()
        assert answer.isdigit(), f"the helper did not start: {answer!r}"
        helper_pid = int(answer)
        assert not process_gone(helper_pid)
    finally:
        server.kill()
        server.wait(30)
    wait_until(lambda: process_gone(helper_pid), timeout=30,
               what="the helper to leave with its server process")


def test_a_forked_child_gets_its_own_helper():
    ours = rasterhelper.helper_for_this_process()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        theirs = rasterhelper.helper_for_this_process()
        os.write(write, b"own" if theirs is not ours else b"parent's")
        os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 16) == b"own"
    finally:
        os.close(read)
        os.waitpid(child, 0)


def helpers_of(pid: int) -> list[int]:
    """The raster helpers among the children of process `pid`."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = []
    for child in (children.read_text().split() if children.exists() else []):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"rasterhelper.py" in command:
            found.append(int(child))
    return found


def test_every_app_server_worker_has_its_helper_and_takes_it_along(tmp_path):
    server = GunicornServer(tmp_path / "instance", f"sqlite:///{tmp_path / 'g.sqlite'}",
                            workers=2).start()
    try:
        wait_until(lambda: len(server.worker_pids()) == 2, timeout=60, what="two workers")
        workers = server.worker_pids()
        wait_until(lambda: all(len(helpers_of(worker)) == 1 for worker in workers),
                   timeout=60, what="a helper started beside each worker")
        helpers = [helper for worker in workers for helper in helpers_of(worker)]
        # Only the master is told to stop (it stops its workers), not the process group.
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(60)
        wait_until(lambda: all(process_gone(helper) for helper in helpers), timeout=30,
                   what="the helpers to leave with their workers")
    finally:
        server.stop()
