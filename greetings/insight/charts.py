"""Trend charts as server-rendered SVG geometry: no script, no chart library, no CDN.

The functions return plain numbers (coordinates in the SVG's own units); the template
`insight/_charts.html` draws them and gives each chart a text alternative (the table
beside it holds the same numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .queries import Numbers

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """One chart: bars and/or a line, with its y-axis ticks and some x labels."""

    width: int
    height: int
    bars: list[Bar]
    line: str  # an SVG polyline's points; empty without any value
    dots: list[tuple[float, float, str]]
    ticks: list[Tick]
    labels: list[tuple[float, str]]
    baseline: float


def _plot(value: float, low: float, high: float) -> float:
    span = high - low or 1
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / span)


def _labels(weeks: list[date], slot: float) -> list[tuple[float, str]]:
    # At most about eight labels, so they never overlap.
    step = max(1, round(len(weeks) / 8))
    return [(LEFT + slot * (index + 0.5), f"{monday.isocalendar().week:02d}")
            for index, monday in enumerate(weeks) if index % step == 0]


def response_chart(weeks: list[tuple[date, Numbers]]) -> Chart:
    """Return bars of the weekly response rate (0–100 %) with the average rating as a line.

    The rating line uses the right-hand scale 1–5, drawn over the same height.
    """
    mondays = [monday for monday, _ in weeks]
    slot = (WIDTH - LEFT - RIGHT) / max(len(weeks), 1)
    top = max([numbers.response_rate or 0 for _, numbers in weeks] + [0.1])
    top = min(1.0, (int(top * 10) + 1) / 10)  # round the scale up to the next 10 %
    bars, dots = [], []
    for index, (monday, numbers) in enumerate(weeks):
        rate = numbers.response_rate or 0
        y = _plot(rate, 0, top)
        bars.append(Bar(LEFT + slot * index + slot * 0.15, y, slot * 0.7,
                        _plot(0, 0, top) - y, monday.isoformat(), f"{rate:.0%}"))
        if numbers.average is not None:
            dots.append((LEFT + slot * (index + 0.5), _plot(numbers.average, 1, 5),
                         f"{numbers.average:.1f}"))
    ticks = [Tick(_plot(top * step / 4, 0, top), f"{top * step / 4:.0%}") for step in range(5)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in dots)
    return Chart(WIDTH, HEIGHT, bars, line, dots, ticks, _labels(mondays, slot),
                 _plot(0, 0, top))


def distribution_bar(numbers: Numbers, width: int = 160, height: int = 14) -> list[Bar]:
    """Return the stacked segments (1★ to 5★) of a rating distribution, widths by share."""
    total = sum(numbers.distribution)
    segments, x = [], 0.0
    for rating, count in enumerate(numbers.distribution, start=1):
        if not count:
            continue
        share = count / total
        segments.append(Bar(x, 0, width * share, height, f"{rating}", f"{count}"))
        x += width * share
    return segments
