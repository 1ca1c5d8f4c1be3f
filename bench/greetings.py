"""Benchmark greeting templates: the bounded sandbox against Jinja's plain one, and a preview.

Run from the project root:  .venv/bin/python bench/greetings.py [--runs 200]
Prints one table from one run. "plain" is Jinja's SandboxedEnvironment as cards used it
before the bounds (the baseline); "bounded" is greetings/cards/sandbox.py. CPU time of
this thread (steadier than wall time on a shared machine), median of the runs. The last
rows time what a manager waits for: the check against every sample order when saving,
and a card preview (render + rasterise to PNG).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

VALUES = {"first_name": "Søren", "packer": "Åse", "brand": "Nordlys Kaffe",
          "order_number": "1042", "item_count": 3}
LOOP = "{% for i in range(item_count) %}{{ loop.index }} {% endfor %}Hej {{ first_name }}"


def cpu_ms(call, runs: int) -> float:
    """Return the median CPU milliseconds of one call over `runs` calls."""
    times = []
    for _ in range(runs):
        start = time.thread_time()
        call()
        times.append((time.thread_time() - start) * 1000)
    return statistics.median(times)


def main(runs: int) -> None:
    from jinja2.sandbox import SandboxedEnvironment

    from greetings import create_app
    from greetings.cards import sandbox
    from greetings.cards.greeting_texts import SAMPLE_ORDERS, default_template, problems_of
    from greetings.cards.preview import card_png, sample_card

    plain_env = SandboxedEnvironment(autoescape=False)
    default = default_template("da")
    rows = []
    for label, source in (("default text (da)", default), ("a loop over the items", LOOP)):
        plain = plain_env.from_string(source)
        bounded = sandbox.compile_template(source)
        rows.append((f"render one card's greeting: {label}",
                     cpu_ms(lambda plain=plain: plain.render(**VALUES), runs),
                     cpu_ms(lambda bounded=bounded: sandbox.render(bounded, VALUES), runs)))
    bomb = '{% if first_name != "Åse" %}{% for i in range(10**9) %}x{% endfor %}{% endif %}'
    nested = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    rows.append((f"check for saving: default text, {len(SAMPLE_ORDERS)} sample orders", None,
                 cpu_ms(lambda: problems_of(default), max(3, runs // 20))))
    rows.append(("check for saving: range(10**9) unless Åse (refused)", None,
                 cpu_ms(lambda: problems_of(bomb), max(3, runs // 20))))
    rows.append(("check for saving: nested range(100000) (refused)", None,
                 cpu_ms(lambda: problems_of(nested), max(3, runs // 20))))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://g.test",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        from greetings.extensions import db
        db.create_all()
        rows.append(("card preview: render + rasterise to PNG (A6, 110 dpi)", None,
                     cpu_ms(lambda: card_png(sample_card("da")), max(3, runs // 40))))
    print(f"{'case':<66} {'plain ms':>9} {'bounded ms':>11}")
    for label, before, after in rows:
        shown = f"{before:9.3f}" if before is not None else f"{'—':>9}"
        print(f"{label:<66} {shown} {after:11.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    main(parser.parse_args().runs)
