"""Golden images: each theme on each profile, compared as pixels with a tolerance.

At 150 dpi, where a shift of one thermal dot (0.125 mm, 0.74 px) already changes the
edges of every letter it moves.

Regenerate after an intended design change with UPDATE_GOLDEN=1 and look at the images.
A failing comparison saves the rendering and the difference next to the test's tmp dir
(or in GOLDEN_DIFF_DIR) and names them in the message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import ImageChops

from greetings.cards.renderer import THEMES, render_card
from greetings.cards.renderer.layouts import PROFILES
from tests.cards.samples import make_card
from tests.support.pdf import raster

GOLDEN = Path(__file__).resolve().parent / "golden"
DPI = 150
TOLERANCE = 0.004  # share of pixels allowed to differ visibly (anti-aliasing, pdfium versions)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_card_matches_golden(theme, profile, tmp_path):
    card = make_card(profile=profile, theme=theme, accent="#1f6f5c",
                     printed_url="greet.example.com/f/MZXW-6YTB-OI4D-KNRX-GQ2T-EMZQ-GA")
    image = raster(render_card(card), DPI, grayscale=True).convert("L")
    name = f"{theme}-{profile}"
    golden = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        image.save(golden, optimize=True)
    from PIL import Image

    expected = Image.open(golden).convert("L")
    assert image.size == expected.size
    diff = ImageChops.difference(image, expected)
    changed = sum(diff.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
    share = changed / (image.width * image.height)
    if share > TOLERANCE:
        out = Path(os.environ.get("GOLDEN_DIFF_DIR", tmp_path))
        out.mkdir(parents=True, exist_ok=True)
        image.save(out / f"{name}-actual.png")
        diff.point(lambda v: min(255, v * 4)).save(out / f"{name}-diff.png")
        pytest.fail(f"{name}: {share:.2%} of pixels differ; see {out}/{name}-diff.png")
