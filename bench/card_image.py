"""Benchmark a browser station's card image: drawn in one process, or in two (the helper).

Run from the project root:  .venv/bin/python bench/card_image.py [--cards 200] [--gap 0.05]

What a scan's answer waits for (raster.print_image: PDFium draws the card's PDF, PIL
encodes its strips), for distinct cards (each its own name and feedback URL, so nothing
is reused from the card before), on each paper a station prints. Both ways take turns
card by card in the same run, so that load from elsewhere on the machine falls on both
alike; a pause (--gap) between cards leaves the server idle between scans, as at a
station (the helper runs on the core the request does not use). Also: how long the helper
takes to start, and its memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from render import make_items  # noqa: E402

from bench.station import percentile  # noqa: E402
from greetings.cards.raster import print_image  # noqa: E402
from greetings.cards.rasterhelper import Helper  # noqa: E402
from greetings.cards.renderer import render_card  # noqa: E402


def resident_mb(pid: int) -> float:
    """A process's resident memory (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=200, help="cards per paper and way")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between cards")
    args = parser.parse_args()

    helper = Helper()
    started = time.perf_counter()
    while not helper.warm():
        time.sleep(0.002)
    ready_ms = (time.perf_counter() - started) * 1000

    print("| paper | way | cards | p50 ms | p95 ms | p99 ms | same bytes |")
    print("|---|---|---|---|---|---|---|")
    for paper in ("a6", "thermal4x6"):
        pdfs = [render_card(dataclasses.replace(item, profile=paper))
                for item in make_items(args.cards)]
        times = {"one process": [], "two (helper)": []}
        same = True
        for pdf in pdfs:
            for way, given in (("one process", None), ("two (helper)", helper)):
                time.sleep(args.gap)
                start = time.perf_counter()
                image = print_image(pdf, paper, given)
                times[way].append((time.perf_counter() - start) * 1000)
                if given is None:
                    alone = image
            # Byte for byte: A6 and the label are (raster.render_rows says when not).
            same = same and image.strips == alone.strips
        for way, values in times.items():
            print(f"| {paper} | {way} | {len(values)} | {statistics.median(values):.1f} | "
                  f"{percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} | "
                  f"{'yes' if same else 'NO'} |")
    print(f"\nhelper: ready {ready_ms:.0f} ms after it was asked for; "
          f"{resident_mb(helper.pid):.0f} MB resident (this process: "
          f"{resident_mb(os.getpid()):.0f} MB)")
    helper.stop()


if __name__ == "__main__":
    main()
