"""Fonts for the insert: registered once per process, with glyph-coverage checks.

The sans faces (DejaVu Sans and its bold) cover Latin, Greek, Cyrillic, Hebrew and Arabic
presentation forms; the serif face (DejaVu Serif) Latin, Greek and Cyrillic, with the
sans behind it for the rest; italics are these faces slanted (SLANT); the script face (Kristi)
draws a packer's name when there is no signature image and it has every letter of it.
A CJK face is used only when one is installed on the machine, and loaded only when a
card needs it (it takes ~0.3 s and megabytes that a Latin card should not pay for), or
when an app server preloads it before any request (`preload_fonts`).

Right-to-left text is shaped (Arabic joining forms) in logical order, wrapped in logical
order, and only then reordered line by line for drawing (`visual_line`): so lines keep
their order, and text extractors (pdfium, poppler), which undo the reordering of each
line they read, give back the text as it was typed.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ...text import clean_line, clean_paragraphs

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parents[3] / "fonts"
TEXT = "GreetingsSans"
SANS_BOLD = "GreetingsSansBold"
SERIF = "GreetingsSerif"
SCRIPT = "GreetingsScript"
CJK = "GreetingsCJK"
# The faces shipped in fonts/ (see fonts/README.md for where each comes from).
BUNDLED = {TEXT: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", SERIF: "DejaVuSerif.ttf",
           SCRIPT: "Kristi.ttf"}
# Italics are the upright face slanted (pdf.Page.text's `slant`): DejaVu Sans Oblique is
# drawn that way too, and a second embedded face would cost ~4 KB of every card.
SLANT = 0.2

# Only TrueType-outline fonts work with reportlab (no CFF/OTF), so the list names
# Debian's TrueType CJK packages: fonts-wqy-zenhei, fonts-arphic-uming, fonts-droid-fallback.
CJK_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
)

_lock = threading.Lock()
_registered: dict[str, frozenset[int]] = {}
_cjk_tried: list[bool] = []  # set once the CJK face was looked for (found or not)
_chars: dict[str, frozenset[str]] = {}  # the same cmaps as characters, for C-speed set checks
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                  "\U0001e800-\U0001efff]")

# Decoration that no name needs: emoji, their modifiers, joiners and flags.
_ZERO_WIDTH = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}


def register_fonts() -> None:
    """Register the bundled faces, once per process (the CJK face waits until needed)."""
    if _registered:
        return
    with _lock:
        if _registered:
            return
        cmaps = {name: _register(name, FONT_DIR / file, None) for name, file in BUNDLED.items()}
        _chars.update({name: frozenset(map(chr, cmap)) | frozenset(" \n")
                       for name, cmap in cmaps.items()})
        _registered.update(cmaps)


def _register(name: str, path: Path, index: int | None) -> frozenset[int]:
    kwargs = {} if index is None else {"subfontIndex": index}
    # asciiReadable=False: embed only the glyphs used, not all of ASCII (-40 % bytes).
    font = TTFont(name, str(path), asciiReadable=False, **kwargs)
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


def _load_cjk() -> bool:
    """Register the CJK face on first need; tell whether there is one."""
    register_fonts()
    if not _cjk_tried:
        with _lock:
            if not _cjk_tried:
                found = _find_cjk()
                if found:
                    _registered[CJK] = _register(CJK, *found)
                _cjk_tried.append(True)
    return CJK in _registered


def _find_cjk():
    for path, index in CJK_CANDIDATES:
        if Path(path).is_file():
            return Path(path), index
    return None


def preload_fonts() -> bool:
    """Register every face now, the CJK one too when one is installed; tell whether it is.

    For an app server's start (gunicorn.conf.py): a request that meets the first CJK name
    would otherwise load the face itself (~0.3 s of CPU and ~70,000 objects, which also
    set off a full garbage collection inside that request). Loaded in gunicorn's master
    before it forks, every worker, a recycled one too, starts with it and shares its pages.
    """
    return _load_cjk()


def cjk_loaded() -> bool:
    """Tell whether the CJK face has been loaded in this process (without loading it)."""
    return CJK in _registered


def cjk_available() -> bool:
    """Tell whether a CJK face was found on this machine (loading it if so)."""
    return _load_cjk()


def covers(font: str, text: str) -> bool:
    """Tell whether every character of text has a glyph in the font's cmap."""
    register_fonts()
    cmap = _registered.get(font, frozenset())
    return all(ord(ch) in cmap or ch.isspace() for ch in text)


def is_rtl(text: str) -> bool:
    """Tell whether the text holds right-to-left letters (Hebrew, Arabic, ...)."""
    return bool(_RTL.search(text)) and any(unicodedata.bidirectional(ch) in ("R", "AL")
                                           for ch in text)


def strip_decoration(text: str) -> str:
    """Remove emoji, flags and their joiners; keep letters, marks and punctuation."""
    kept = []
    for ch in text:
        cp = ord(ch)
        if cp in _ZERO_WIDTH or 0x1F1E6 <= cp <= 0x1F1FF or 0xE0000 <= cp <= 0xE007F:
            continue
        if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") and cp > 0x2000:
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


@lru_cache(maxsize=4096)
def shaped(text: str) -> str:
    """Give Arabic letters their joining forms, still in logical (reading) order."""
    if not is_rtl(text):
        return text
    import arabic_reshaper

    return arabic_reshaper.reshape(text)


@lru_cache(maxsize=4096)
def visual_line(line: str) -> str:
    """Reorder ONE shaped line for drawing left to right (the Unicode bidi algorithm).

    Lines are broken in logical order first: reordering a whole paragraph and then
    wrapping it would put its lines in the wrong order and turn quotes around.
    """
    if not is_rtl(line):
        return line
    from bidi import get_display

    return get_display(line)


def visual(text: str) -> str:
    """Shape and reorder one line of right-to-left text for drawing left to right."""
    return visual_line(shaped(text))


def runs(text: str, fonts: tuple[str, ...] = (TEXT, CJK)) -> list[tuple[str, str]] | None:
    """Split text into (text, font) runs, each drawable by its font; None if a glyph is missing.

    Characters are given to the first face in `fonts` that has them, so Latin stays in the
    text face and only the ideographs use the CJK face.
    """
    register_fonts()
    if fonts[0] in _chars and _chars[fonts[0]].issuperset(text):
        return [(text, fonts[0])] if text else []
    if CJK in fonts and not _cjk_tried and not all(
            any(f in _chars and ch in _chars[f] for f in fonts) for ch in text):
        _load_cjk()
    out: list[tuple[str, str]] = []
    for ch in text:
        font = next((f for f in fonts if f in _registered
                     and (ord(ch) in _registered[f] or ch.isspace())), None)
        if font is None:
            return None
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + ch, font)
        else:
            out.append((ch, font))
    return out


def drawable_name(name: str | None) -> str | None:
    """Return the name ready to draw (clean, decoration stripped, logical order) or None.

    None means the fonts cannot draw it: the caller uses the neutral wording and logs
    that it did so, without the name.
    """
    if not name:
        return None
    text = strip_decoration(clean_line(name))
    if not any(ch.isalpha() for ch in text):
        return None
    return text if runs(shaped(text)) is not None else None


def width(parts: list[tuple[str, str]], size: float) -> float:
    """Width in points of the runs drawn at size."""
    return sum(pdfmetrics.stringWidth(t, f, size) for t, f in parts)


# --- fitting text into boxes -------------------------------------------------------

ASCENT, DESCENT = 0.95, 0.25  # of the font size: room above the first and below the last baseline


@lru_cache(maxsize=8192)
def _unit_width(text: str, chain: tuple[str, ...]) -> float:
    """Width of text at 1 pt; widths scale linearly, so one cached value serves every size."""
    parts = runs(text, chain)
    return width(parts, 1.0) if parts else 0.0


@lru_cache(maxsize=4096)
def drawable_text(text: str, chain: tuple[str, ...] = (TEXT, CJK)) -> str:
    """Return text with emoji and any character no face in `chain` has removed.

    Used for text that is not a name (greetings, notes): a missing glyph must never
    print as a box. Logs how many characters went, never which (once per text: kept).
    """
    text = shaped(clean_paragraphs(text))
    if runs(text, chain) is not None:
        return text
    lines = [strip_decoration(line) if line.strip() else "" for line in text.split("\n")]
    kept = "\n".join("".join(ch for ch in line if runs(ch, chain) is not None)
                     for line in lines)
    log.info("insert text: dropped %d characters no font can draw", len(text) - len(kept))
    return kept


def _break_word(word: str, size: float, room: float, chain) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and _unit_width(current + ch, chain) * size > room:
            pieces.append(current)
            current = ""
        current += ch
    return pieces + [current]


def wrap(text: str, size: float, room: float, chain) -> list[str]:
    """Break text into lines no wider than room (pt) at size; a blank line keeps a gap."""
    lines: list[str] = []
    space = _unit_width(" ", chain) * size
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            w = _unit_width(word, chain) * size
            if line and used + space + w <= room:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            pieces = _break_word(word, size, room, chain) if w > room else [word]
            lines.extend(pieces[:-1])
            line, used = pieces[-1], _unit_width(pieces[-1], chain) * size
        lines.append(line)
    return lines


def _height(n_lines: int, size: float, leading: float) -> float:
    return (n_lines - 1) * size * leading + (ASCENT + DESCENT) * size if n_lines else 0.0


def line_width(text: str, chain: tuple[str, ...], size: float) -> float:
    """Width in points of one line of text drawn at size (as fit_line measures it)."""
    return _unit_width(drawable_text(text, chain).replace("\n", " "), chain) * size


def text_height(n_lines: int, size: float, leading: float) -> float:
    """Height in points of n lines at size: first ascent, leadings, last descent."""
    return _height(n_lines, size, leading)


def _drawn(line: str, chain, size: float) -> tuple[tuple, float]:
    """One line ready for Page.text: its runs in drawing (visual) order, and its width."""
    return tuple(runs(visual_line(line), chain) or ()), _unit_width(line, chain) * size


@lru_cache(maxsize=2048)
def fit_lines(text: str, box, chain=None):
    """Return (size, ((runs, width), ...)) for text shrunk, then wrapped, to fit the box.

    Kept per (text, box): the layout measures each text and the draw function fits it
    again in the same box, and a wave repeats the greeting card after card.

    The size steps down from box.size to box.min_size; if the text still does not fit,
    the lines that fit are kept and the last one ends in an ellipsis: never overflow.
    Lines are broken in logical order, then each is reordered for drawing on its own.
    """
    from reportlab.lib.units import mm

    chain = chain or box.faces
    text = drawable_text(text, chain)
    room_w, room_h = box.w * mm, box.h * mm
    size = box.size
    while True:
        lines = wrap(text, size, room_w, chain)
        if _height(len(lines), size, box.leading) <= room_h or size <= box.min_size:
            break
        size = max(box.min_size, size * 0.93)
    if _height(len(lines), size, box.leading) > room_h:
        keep = max(1, int((room_h - (ASCENT + DESCENT) * size) // (size * box.leading)) + 1)
        log.warning("insert %s: text cut to %d lines at minimum size", box.kind, keep)
        lines = lines[:keep]
        lines[-1] = wrap(lines[-1] + " …", size, room_w, chain)[0].rstrip(" …") + "…"
        size = min(size, room_h / (ASCENT + DESCENT))
    return size, tuple(_drawn(line, chain, size) for line in lines)


def fit_line(text: str, box, chain=None):
    """Return (size, runs, width) for one line shrunk to fit the box's width and height."""
    from reportlab.lib.units import mm

    chain = chain or box.faces
    text = drawable_text(text, chain).replace("\n", " ")
    unit = _unit_width(text, chain) or 1.0
    size = min(box.size, box.w * mm / unit, box.h * mm / (ASCENT + DESCENT))
    parts, width = _drawn(text, chain, size)
    return size, parts, width
