"""Benchmark the console's signature preview, step by step, against rendering a card alone.

Run from the project root:  .venv/bin/python bench/signature_preview.py [--runs 15]
Prints one table from one run: the median and the slowest of each step of a preview
(clean-up of a drawing and of a phone photo, the card's PDF on A6 and thermal, each
rasterised), and the whole POST /admin/people/<id>/signature/preview through the test
client. The baseline in the same run is render_card of the same card: what a station
pays per card anyway.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from PIL import Image, ImageDraw  # noqa: E402

from greetings.cards.renderer import prepare_signature, render_card  # noqa: E402
from greetings.extensions import db  # noqa: E402
from greetings.models import Packer  # noqa: E402
from greetings.people import service  # noqa: E402
from greetings.people.preview import PROFILES, card_pdf_preview, pdf_to_png  # noqa: E402
from greetings.staff.service import create_user  # noqa: E402
from tests.cards.samples import make_signature_photo  # noqa: E402
from tests.conftest import make_app  # noqa: E402


def drawing() -> bytes:
    """A signature as the canvas sends it: black strokes on transparency, 600 x 200."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    points = [(40 + step * 9, 100 + (step % 7) * 10) for step in range(55)]
    pen.line(points, fill=(0, 0, 0, 255), width=4, joint="curve")
    pen.line([(50, 170), (540, 160)], fill=(0, 0, 0, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def timed(action, runs: int) -> tuple[float, float]:
    """Return (median, slowest) milliseconds of `runs` calls, after one warm-up call."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main(runs: int) -> None:
    folder = Path(tempfile.mkdtemp())
    app = make_app(folder, f"sqlite:///{folder / 'bench.sqlite'}", WTF_CSRF_ENABLED=False,
                   RATELIMIT_ENABLED=False)
    drawn, photo = drawing(), make_signature_photo()
    with app.app_context():
        create_user("bench@example.com", "bench-password-1", "manager")
        packer = service.add_packer("Åse Nygaard", "Åse", "BENCH-1",
                                    lines={"en": "Packed with care"})
        db.session.commit()
        packer_id = packer.id
    client = app.test_client()
    client.post("/staff/login", data={"email": "bench@example.com",
                                      "password": "bench-password-1"})
    rows = []
    with app.test_request_context():
        packer = db.session.get(Packer, packer_id)
        signature = prepare_signature(drawn)
        pdfs = {profile: card_pdf_preview(packer, "en", profile, signature)
                for profile in PROFILES}
        from greetings.cards.service import build_card
        from greetings.people.preview import sample_card
        card = build_card(sample_card(packer, "en"), "a6")
        rows.append(("baseline: render_card, A6, no signature", timed(
            lambda: render_card(card), runs)))
        rows.append(("clean-up of a canvas drawing (600 x 200 PNG)", timed(
            lambda: prepare_signature(drawn), runs)))
        rows.append(("clean-up of a phone photo (JPEG)", timed(
            lambda: prepare_signature(photo), runs)))
        for profile, dpi in PROFILES.items():
            rows.append((f"card PDF with the signature, {profile}", timed(
                lambda profile=profile: card_pdf_preview(packer, "en", profile, signature),
                runs)))
            rows.append((f"rasterise {profile} at {dpi} dpi to PNG", timed(
                lambda profile=profile, dpi=dpi: pdf_to_png(
                    pdfs[profile], dpi, bilevel=profile.startswith("thermal")), runs)))

    def post(raw, name):
        response = client.post(f"/admin/people/{packer_id}/signature/preview",
                               data={"upload": (io.BytesIO(raw), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 200, response.status_code

    rows.append(("whole preview POST, drawing", timed(lambda: post(drawn, "d.png"), runs)))
    rows.append(("whole preview POST, phone photo", timed(lambda: post(photo, "p.jpg"), runs)))
    width = max(len(name) for name, _ in rows)
    print(f"{'step':<{width}}  {'median ms':>9}  {'max ms':>8}   ({runs} runs)")
    for name, (median, slowest) in rows:
        print(f"{name:<{width}}  {median:9.1f}  {slowest:8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    main(parser.parse_args().runs)
