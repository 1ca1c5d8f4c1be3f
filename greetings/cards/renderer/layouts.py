"""Page profiles: the card's layout as data, boxes in mm measured from the top-left corner.

The card is designed once at A6 (105 x 148 mm); the other profiles place the same
design scaled to their page, so a change of design is made in one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reportlab.lib.units import mm

A6 = (105.0, 148.0)

# Why each colour: INK reads as black but softer on coated card; MUTED for the
# secondary lines; RULE a hairline that frames without shouting.
PALETTE = {"ink": (0.13, 0.14, 0.16), "muted": (0.40, 0.42, 0.45),
           "rule": (0.78, 0.74, 0.68), "signature": (0.10, 0.16, 0.35)}
THERMAL_PALETTE = dict.fromkeys(PALETTE, (0.0, 0.0, 0.0))

THERMAL_DOT_MM = 25.4 / 203  # one printer dot of a 203 dpi thermal head


@dataclass(frozen=True)
class Box:
    """A slot on the page: position and size in mm from the top-left corner, plus style."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    size: float = 9.0           # font size in pt at this profile's scale
    align: str = "left"         # left | center | right
    colour: str = "ink"
    font: str = "text"          # text | script
    leading: float = 1.3        # line height as a multiple of size
    min_size: float = 6.0       # shrink-to-fit never goes below this (then it wraps)

    def rect(self, page_h_mm: float) -> tuple[float, float, float, float]:
        """Return (x, bottom, width, height) in PDF points, from the page's bottom-left corner."""
        return (self.x * mm, (page_h_mm - self.y - self.h) * mm, self.w * mm, self.h * mm)


@dataclass(frozen=True)
class Profile:
    """A page size with its boxes and colours."""

    name: str
    width_mm: float
    height_mm: float
    boxes: tuple[Box, ...]
    palette: dict = field(default_factory=lambda: dict(PALETTE))
    thermal: bool = False

    @property
    def pagesize(self) -> tuple[float, float]:
        """Page size in points."""
        return (self.width_mm * mm, self.height_mm * mm)

    @property
    def qr_dot_mm(self) -> float | None:
        """Printer dot to snap QR modules to, or None for laser profiles."""
        return THERMAL_DOT_MM if self.thermal else None


# The A6 design. Order is drawing order; each kind has a draw_<kind> in elements.py.
CARD = (
    Box("logo", 30, 9, 45, 15, align="center"),
    Box("brand", 12, 25, 81, 4.5, size=6.5, align="center", colour="muted"),
    Box("rule", 40, 32.5, 25, 0.3, colour="rule"),
    Box("salutation", 12, 37, 81, 9, size=14, min_size=9),
    Box("greeting", 12, 47, 81, 36, size=9.2, leading=1.42, min_size=6.5),
    Box("packer_line", 12, 84, 81, 9, size=8.6, colour="muted", leading=1.35, min_size=6),
    Box("signature", 10, 95, 46, 14, font="script", colour="signature", size=26, min_size=12),
    Box("signoff", 12, 110, 50, 8, size=6.8, colour="muted", leading=1.35, min_size=5),
    Box("qr", 69, 101, 27, 27),
    Box("qr_caption", 12, 121, 55, 9, size=8.4, leading=1.3, min_size=6),
    Box("qr_url", 12, 130, 84, 4, size=5.4, align="right", colour="muted", min_size=3.5),
)


def _place(name, page, scale, font_scale, thermal=False) -> Profile:
    """Scale the A6 card by `scale`, centre it on `page`, scale type by `font_scale`."""
    width, height = page
    dx = (width - A6[0] * scale) / 2
    dy = (height - A6[1] * scale) / 2
    boxes = tuple(replace(b, x=dx + b.x * scale, y=dy + b.y * scale, w=b.w * scale,
                          h=b.h * scale, size=b.size * font_scale,
                          min_size=b.min_size * font_scale) for b in CARD)
    palette = dict(THERMAL_PALETTE if thermal else PALETTE)
    return Profile(name, width, height, boxes, palette, thermal)


PROFILES = {
    "a6": _place("a6", A6, 1.0, 1.0),
    "a5": _place("a5", (148.0, 210.0), 1.4, 1.4),
    "a4": _place("a4", (210.0, 297.0), 2.0, 2.0),
    "letter": _place("letter", (215.9, 279.4), 1.88, 1.88),
    # 4x6 in thermal label: a little narrower than A6, so the card is scaled to fit.
    "thermal4x6": _place("thermal4x6", (101.6, 152.4), 0.96, 0.98, thermal=True),
}


# The card's designs by the name the brand stores; the console's Brand page offers these
# (value: the English label). Each theme is drawn on every profile; there is one so far,
# the layout above.
THEMES = {"classic": "Classic"}
DEFAULT_THEME = "classic"


def profile(name: str | None) -> Profile:
    """Return the named profile; unknown or empty names give A6."""
    return PROFILES.get((name or "a6").lower(), PROFILES["a6"])
