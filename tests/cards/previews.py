"""Write docs/cards/<theme>-<profile>.png: each theme on each profile, as docs/cards.md shows.

Run from the project root after a design change:  .venv/bin/python -m tests.cards.previews
Colour at 100 dpi (the goldens in tests/cards/golden are the 150 dpi grey proof).
"""

from __future__ import annotations

from pathlib import Path

from greetings.cards.renderer import PROFILES, THEMES, render_card, render_wave
from tests.cards.samples import greeting, make_card
from tests.support.pdf import raster

OUT = Path(__file__).resolve().parents[2] / "docs" / "cards"
ADDRESS = "greet.example.com/f/MZXW-6YTB-OI4D-KNRX-GQ2T-EMZQ-GA"
DPI = 100


def main() -> None:
    """Render every theme on every profile (sheets full: four cards) and save the PNGs."""
    OUT.mkdir(parents=True, exist_ok=True)
    names = ["Søren", "Ingrid", "Jürgen", "Åsa"]
    for theme in sorted(THEMES):
        for name, profile in sorted(PROFILES.items()):
            cards = [make_card(profile=name, theme=theme, accent="#1f6f5c", first_name=first,
                               printed_url=ADDRESS)
                     for first in names[:len(profile.cells)]]
            data = render_wave(cards) if len(cards) > 1 else render_card(cards[0])
            path = OUT / f"{theme}-{name}.png"
            raster(data, DPI).convert("RGB").save(path, optimize=True)
            print(path.relative_to(OUT.parents[1]))
    bare = make_card(theme="minimal", logo=None, packer_line=None, signature_png=None,
                     signature_1bit=None, packer_display_name="Łukasz", printed_url=ADDRESS,
                     accent="#1f6f5c", greeting_text=greeting("da", packer="Łukasz"))
    raster(render_card(bare), DPI).convert("RGB").save(OUT / "minimal-a6-bare.png",
                                                        optimize=True)
    print("docs/cards/minimal-a6-bare.png")


if __name__ == "__main__":
    main()
