"""The card's design as data: themes (faces, sizes, colours, gaps in mm at A6) and profiles.

A theme is designed once at A6 (105 x 148 mm). A profile is a page with one or more
card cells (a sheet of A4 holds four A6 cards); each cell gets the theme at the profile's
scale. `flow.arrange` turns a theme, a cell and one card's content into boxes, so a
missing logo or personal line closes up instead of leaving a hole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reportlab.lib.units import mm

from . import fonts

A6 = (105.0, 148.0)
THERMAL_DOT_MM = 25.4 / 203  # one printer dot of a 203 dpi thermal head

# Why each colour: INK reads as black but softer on coated card; MUTED for the
# secondary lines; SIGNATURE a pen's blue-black. ACCENT is the brand's (CardData.accent).
PALETTE = {"ink": (0.13, 0.14, 0.16), "muted": (0.40, 0.42, 0.45),
           "signature": (0.10, 0.16, 0.35), "accent": (0.55, 0.36, 0.18)}


@dataclass(frozen=True)
class Style:
    """How one element's text looks: faces (first that has a glyph wins), size in pt at A6."""

    faces: tuple[str, ...] = (fonts.TEXT, fonts.CJK)
    size: float = 9.0
    min_size: float = 6.0       # shrink-to-fit never goes below this (then it wraps)
    leading: float = 1.3        # line height as a multiple of size
    colour: str = "ink"
    align: str = "left"         # left | center | right
    tracking: float = 0.0       # letter spacing, as a share of the size
    slant: float = 0.0          # italic: the face slanted by this (fonts.SLANT)


@dataclass(frozen=True)
class Box:
    """A placed element: position and size in mm from the page's top-left corner, plus style."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    size: float = 9.0
    align: str = "left"
    colour: str = "ink"
    faces: tuple[str, ...] = (fonts.TEXT, fonts.CJK)
    leading: float = 1.3
    min_size: float = 6.0
    tracking: float = 0.0
    slant: float = 0.0
    text: str | None = None     # the element's text when the layout already broke it

    def rect(self, page_h_mm: float) -> tuple[float, float, float, float]:
        """Return (x, bottom, width, height) in PDF points, from the page's bottom-left corner."""
        return (self.x * mm, (page_h_mm - self.y - self.h) * mm, self.w * mm, self.h * mm)


@dataclass(frozen=True)
class Theme:
    """One designed layout. Sizes are at A6; the reading order is fixed by flow.ORDER.

    gaps: mm of space above each element (only when the element and something above it
    are present); signature: the image's box (w, h) in mm; qr: the code's width in mm
    with its quiet zone; arrow: the colour of the caption's arrow.
    """

    name: str
    styles: dict[str, Style]
    gaps: dict[str, float]
    margin: float = 10.0
    logo_h: float = 10.0
    signature: tuple[float, float] = (44.0, 15.0)
    qr: float = 26.0
    rule: float = 0.0           # width in mm of the accent rule under the brand (0: none)
    script: str = fonts.SCRIPT
    arrow: str = "ink"          # the colour of the caption's arrow


_SERIF = (fonts.SERIF, fonts.TEXT, fonts.CJK)
_SANS = (fonts.TEXT, fonts.CJK)
_BOLD = (fonts.SANS_BOLD, fonts.TEXT, fonts.CJK)

# Warm: a serif letter, the signature right under the words, the accent on a thin rule
# and on the caption's arrow, which points at the code.
WARM = Theme(
    name="warm",
    styles={
        "brand": Style(_SERIF, 8.5, 6.0, colour="muted", align="center", tracking=0.12),
        "salutation": Style(_SERIF, 20.0, 12.0, leading=1.2),
        "greeting": Style(_SERIF, 10.5, 7.0, leading=1.42),
        "packer_line": Style(_SERIF, 10.0, 7.0, leading=1.38, slant=fonts.SLANT),
        "signature": Style((fonts.SCRIPT,), 28.0, 12.0, colour="signature"),
        "signature_fallback": Style(_SERIF, 15.0, 9.0, colour="signature",
                                    slant=fonts.SLANT),
        "signoff": Style(_SERIF, 7.5, 6.0, leading=1.35, colour="muted"),
        "qr_caption": Style(_SERIF, 9.0, 7.0, leading=1.3, align="right",
                            slant=fonts.SLANT),
        "qr_url": Style(_SERIF, 7.5, 5.5, leading=1.3, colour="muted", align="right"),
    },
    gaps={"rule": 2.5, "salutation": 5.0, "greeting": 3.5, "packer_line": 3.0,
          "signature": 2.0, "signoff": 0.5},
    rule=16.0, arrow="accent",
)

# Minimal: one sans family in two weights, one left-aligned column, the accent only on
# the brand.
MINIMAL = Theme(
    name="minimal",
    styles={
        "brand": Style(_BOLD, 8.5, 6.0, colour="accent", tracking=0.08),
        "salutation": Style(_BOLD, 18.0, 11.0, leading=1.2),
        "greeting": Style(_SANS, 10.0, 7.0, leading=1.45),
        "packer_line": Style(_SANS, 9.5, 7.0, leading=1.4, slant=fonts.SLANT),
        "signature": Style((fonts.SCRIPT,), 26.0, 12.0),
        "signature_fallback": Style(_SANS, 14.0, 9.0, slant=fonts.SLANT),
        "signoff": Style(_SANS, 7.5, 6.0, leading=1.35, colour="muted"),
        "qr_caption": Style(_SANS, 8.5, 7.0, leading=1.3),
        "qr_url": Style(_SANS, 7.5, 5.5, leading=1.3, colour="muted"),
    },
    gaps={"salutation": 7.0, "greeting": 3.5, "packer_line": 3.0, "signature": 3.0,
          "signoff": 0.5},
)

THEMES = {theme.name: theme for theme in (WARM, MINIMAL)}
DEFAULT_THEME = "warm"


@dataclass(frozen=True)
class Profile:
    """A page size with the card cells on it (mm from the top-left), the scale and the ink."""

    name: str
    width_mm: float
    height_mm: float
    cells: tuple[tuple[float, float, float, float], ...]
    scale: float = 1.0           # of the A6 design: boxes and type
    thermal: bool = False
    cut_marks: bool = False
    palette: dict = field(default_factory=lambda: dict(PALETTE))

    @property
    def pagesize(self) -> tuple[float, float]:
        """Page size in points."""
        return (self.width_mm * mm, self.height_mm * mm)

    @property
    def dot_mm(self) -> float | None:
        """Printer dot that QR modules and images snap to, or None for laser profiles."""
        return THERMAL_DOT_MM if self.thermal else None

    def with_accent(self, rgb: tuple[float, float, float] | None) -> Profile:
        """This profile with the brand's accent colour (thermal prints black whatever it is)."""
        if rgb is None or self.thermal:
            return self
        return replace(self, palette={**self.palette, "accent": rgb})


def _sheet(name: str, page: tuple[float, float]) -> Profile:
    """Four cards on a sheet, cut on the exact quarter lines; the A6 design scaled to fit."""
    w, h = page[0] / 2, page[1] / 2
    cells = tuple((col * w, row * h, w, h) for row in (0, 1) for col in (0, 1))
    return Profile(name, page[0], page[1], cells, min(w / A6[0], h / A6[1]), cut_marks=True)


def _single(name: str, page: tuple[float, float], thermal: bool = False) -> Profile:
    scale = min(page[0] / A6[0], page[1] / A6[1])
    palette = dict.fromkeys(PALETTE, (0.0, 0.0, 0.0)) if thermal else dict(PALETTE)
    return Profile(name, page[0], page[1], ((0.0, 0.0) + page,), scale, thermal,
                   palette=palette)


PROFILES = {
    "a6": _single("a6", A6),
    "a5": _single("a5", (148.0, 210.0)),
    # 4 x A6 on A4 (105 x 148.5 mm each) and 4 x 4.25 x 5.5 in on US Letter.
    "a4": _sheet("a4", (210.0, 297.0)),
    "letter": _sheet("letter", (215.9, 279.4)),
    # 4x6 in thermal label, 203 dpi: black only, a little narrower than A6.
    "thermal4x6": _single("thermal4x6", (101.6, 152.4), thermal=True),
}


def profile(name: str | None) -> Profile:
    """Return the named profile; unknown or empty names give A6."""
    return PROFILES.get((name or "a6").lower(), PROFILES["a6"])


def theme(name: str | None) -> Theme:
    """Return the named theme; unknown or empty names give the default (warm)."""
    return THEMES.get((name or DEFAULT_THEME).lower(), THEMES[DEFAULT_THEME])


THERMAL_MIN_PT = 8.0  # thermal heads lose thinner type


def style_box(kind: str, style: Style, x: float, y: float, w: float, h: float,
              scale: float, thermal: bool) -> Box:
    """A Box for an element at (x, y, w, h) mm, its type scaled; thermal type >= 8 pt."""
    size, low = style.size * scale, style.min_size * scale
    if thermal:
        size, low = max(size, THERMAL_MIN_PT), max(low, THERMAL_MIN_PT)
    return Box(kind, x, y, w, h, size=size, align=style.align, colour=style.colour,
               faces=style.faces, leading=style.leading, min_size=low, tracking=style.tracking,
               slant=style.slant)
