"""Golden images: each profile's card, compared as pixels with a tolerance.

Regenerate after an intended design change with UPDATE_GOLDEN=1 and look at the images.
A failing comparison saves the rendering and the difference next to the test's tmp dir
(or in GOLDEN_DIFF_DIR) and names them in the message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import ImageChops

from greetings.cards.renderer import render_card
from greetings.cards.renderer.layouts import PROFILES
from tests.cards.samples import make_card
from tests.support.pdf import raster

GOLDEN = Path(__file__).resolve().parent / "golden"
DPI = 72
TOLERANCE = 0.004  # share of pixels allowed to differ visibly (anti-aliasing, pdfium versions)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_card_matches_golden(profile, tmp_path):
    image = raster(render_card(make_card(profile=profile)), DPI, grayscale=True).convert("L")
    golden = GOLDEN / f"{profile}.png"
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
        image.save(out / f"{profile}-actual.png")
        diff.point(lambda v: min(255, v * 4)).save(out / f"{profile}-diff.png")
        pytest.fail(f"{profile}: {share:.2%} of pixels differ; see {out}/{profile}-diff.png")
