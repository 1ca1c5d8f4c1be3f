"""Render every page of the three audiences to PNG under docs/screenshots/.

    .venv/bin/python -m tests.ui.screenshots        (or: make screenshots)

Starts its own server on demo data (gunicorn, a fresh SQLite file in a temporary folder)
and walks the tour of tests/ui/tour.py in Debian's chromium: 1280×800 for the console and
the station, 390×844 for the customer's phone.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.ui.tour import (
    ROOT,
    build_world,
    console_tour,
    customer_tour,
    people_tour,
    setup_tour,
    start_server,
    station_tour,
)

OUT = ROOT / "docs" / "screenshots"


def main(out: Path = OUT) -> list[Path]:
    """Take the screenshots; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    taken = []

    def stop(name, page):
        page.wait_for_load_state("networkidle")
        path = out / f"{name}.png"
        page.screenshot(path=str(path))
        taken.append(path)
        print(path)

    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder) / "instance")
        try:
            world = build_world(server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                customer_tour(browser, world, stop)
                console_tour(browser, world, stop)
                people_tour(browser, world, stop)
                setup_tour(browser, world, stop)
                station_tour(browser, world, stop)
                browser.close()
        finally:
            server.stop()
    return taken


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
