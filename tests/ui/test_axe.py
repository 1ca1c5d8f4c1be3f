"""axe-core finds no accessibility violation on any page of the tour, in Debian's chromium.

The tour (tests/ui/tour.py) visits the console, the sign-in and start pages, the
customer's phone pages and the station, in the states a person meets them in.
"""

from pathlib import Path

import pytest

from tests.conftest import need
from tests.ui.tour import (
    build_world,
    console_tour,
    customer_tour,
    people_tour,
    setup_tour,
    start_server,
    station_tour,
)

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A live server with the demo loaded, shared by the tours of this module."""
    need(AXE.exists(), "axe-core is not vendored in tests/vendor")
    server = start_server(tmp_path_factory.mktemp("axe") / "instance")
    try:
        yield build_world(server)
    finally:
        server.stop()


def axe_violations(page) -> list:
    """Run axe-core on the page as it is; return (rule, help, targets) of each violation."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    # The station's hidden print frame holds a PDF, nothing axe could read (and the
    # tests' print stand-in wraps its window): frames are left out.
    result = page.evaluate("async () => await axe.run(document, {iframes: false})")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]])
            for v in result["violations"]]


def walk(tour, browser, world):
    """Walk a tour, running axe at each stop; return {page: violations} and the pages seen."""
    found, seen = {}, []

    def stop(name, page):
        seen.append(name)
        violations = axe_violations(page)
        if violations:
            found[name] = violations

    # Only axe's own script needs the CSP bypassed; the pages are as served.
    tour(browser, world, stop, bypass_csp=True)
    return found, seen


def test_customer_pages(browser, world):
    found, seen = walk(customer_tour, browser, world)
    assert {"customer-feedback", "customer-thanks", "customer-404"} <= set(seen)
    assert found == {}


def test_console_pages(browser, world):
    found, seen = walk(console_tour, browser, world)
    assert {"staff-login", "console-overview", "console-feedback", "start",
            "console-dashboard", "console-worklist", "console-digest"} <= set(seen)
    assert found == {}


def test_station_pages(browser, world):
    found, seen = walk(station_tour, browser, world)
    assert {"station-sign-in", "station-scan", "station-setup", "station-my-page"} <= set(seen)
    assert found == {}


def test_people_and_access_pages(browser, world):
    found, seen = walk(people_tour, browser, world)
    assert {"console-people", "console-signature-preview", "console-packer",
            "console-tokens", "console-users"} <= set(seen)
    assert found == {}


def test_console_setup_pages(browser, world):
    found, seen = walk(setup_tour, browser, world)
    assert {"console-greeting-edit", "console-brand", "console-integration-added",
            "console-endpoint-added", "console-parked"} <= set(seen)
    assert found == {}
