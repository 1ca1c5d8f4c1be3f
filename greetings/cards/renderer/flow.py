"""Arrange one card in its cell: the theme's elements stacked in reading order, measured.

Reading order (the design brief): brand (logo or name), salutation, words, the packer's
own line, signature, the packer's name and the date; then, at the foot, the QR code in
the bottom-right corner with its caption and the printed address beside it. Each text
is measured as it will be drawn, so an absent element takes no room and the stack is
balanced vertically in the space above the foot; only the greeting shrinks when space
runs short.
"""

from __future__ import annotations

import math
from dataclasses import replace

from reportlab.lib.units import mm

from . import fonts, qr
from .layouts import Box, Profile, Theme, style_box

FOOT_GAP = 6.0        # mm at A6 between the stack and the foot
CAPTION_GAP = 1.2     # mm between the caption and the address under it
ABOVE = 0.4           # share of the spare height put above the stack (optical centre)


def arrange(card, profile: Profile, cell: tuple[float, float, float, float]) -> list[Box]:
    """Return the boxes of one card in page mm, in drawing order (one per element drawn)."""
    theme: Theme = card.theme
    cx, cy, cw, ch = cell
    s = profile.scale
    m = theme.margin * s

    def box(kind, x, y, w, h, style=None):
        return style_box(kind, theme.styles.get(style or kind, theme.styles["greeting"]),
                         x, y, w, h, s, profile.thermal)

    foot = _foot(card, profile, theme, box, (cx + m, cy + m, cw - 2 * m, ch - 2 * m))
    top, bottom = cy + m, min(b.y for b in foot) - FOOT_GAP * s
    stack = _stack(card, theme, box, cx + m, cw - 2 * m, s)
    fixed = sum(gap + b.h for gap, b in stack if b.kind != "greeting")
    for i, (gap, b) in enumerate(stack):
        if b.kind == "greeting":
            stack[i] = (gap, _measure(card.greeting_text, replace(
                b, h=max(bottom - top - fixed - gap, 4 * s))))
    total = sum(gap + b.h for gap, b in stack)
    y = top + max(0.0, (bottom - top - total) * ABOVE)
    placed = []
    for gap, b in stack:
        y += gap
        placed.append(replace(b, y=y))
        y += b.h
    return placed + foot


def _measure(text: str, b: Box, max_lines: int | None = None) -> Box:
    """The box shrunk to the text's height, its type at the size that fits (then fixed).

    max_lines: the room given, in lines at the style's size (else the box's own height).
    """
    if max_lines:
        b = replace(b, h=fonts.text_height(max_lines, b.size, b.leading) / mm + 0.05)
    size, lines = fonts.fit_lines(text, b)
    height = fonts.text_height(len(lines), size, b.leading) / mm
    # A hair more than measured, so drawing at the same size finds the same lines.
    return replace(b, h=height + 0.05, size=size, min_size=size)


def _stack(card, theme: Theme, box, x: float, w: float, s: float) -> list[tuple[float, Box]]:
    """The stacked elements with the gap above each: only those the card has."""
    out: list[tuple[float, Box]] = []

    def add(b: Box) -> None:
        out.append(((theme.gaps.get(b.kind, 0.0) * s) if out else 0.0, b))

    if card.logo is not None:
        h = min(theme.logo_h * s, w * card.logo.height / max(1, card.logo.width))
        add(box("logo", x, 0, w, h, "brand"))
    elif card.brand_name:
        b = box("brand", x, 0, w, 0)
        add(replace(b, h=b.size * (fonts.ASCENT + fonts.DESCENT) / mm))
    if theme.rule and out:
        add(Box("rule", x + (w - theme.rule * s) / 2, 0, theme.rule * s, 0.2, colour="accent"))
    add(_measure(card.salutation, box("salutation", x, 0, w, 0), 2))
    add(box("greeting", x, 0, w, 0))
    if card.packer_line:
        add(_measure(card.packer_line, box("packer_line", x, 0, w, 0), 3))
    signature = _signature(card, theme, box, x, s)
    if signature is not None:
        add(signature)
    add(_measure(card.signoff, box("signoff", x, 0, w, 0), 2))
    return out


def _signature(card, theme: Theme, box, x: float, s: float) -> Box | None:
    """The signature image's box (its own proportions), or the name's in script or italic."""
    sw, sh = theme.signature[0] * s, theme.signature[1] * s
    if card.signature is not None:
        h = min(sh, sw * card.signature.height / max(1, card.signature.width))
        return box("signature", x, 0, min(sw, h * card.signature.width
                                          / max(1, card.signature.height)), h)
    if not card.packer_name:
        return None
    if fonts.covers(theme.script, card.packer_name):
        return box("signature", x, 0, sw * 1.3, sh * 0.85)
    # A name the script face cannot draw whole is set whole in the theme's italic,
    # never with some letters in another face.
    b = box("signature", x, 0, sw * 1.6, 0, "signature_fallback")
    return replace(b, kind="signature", h=b.size * (fonts.ASCENT + fonts.DESCENT) / mm)


def _foot(card, profile: Profile, theme: Theme, box, area) -> list[Box]:
    """The QR code in the area's bottom-right corner, caption and printed address beside it.

    The code's visible modules end on the text column's right edge and bottom margin (its
    quiet zone lies in the margin); on thermal the module is a whole number of printer
    dots, at least as large as on A6, and the modules start on a dot. The address's last
    baseline sits on the modules' bottom edge.
    """
    ax, ay, aw, ah = area
    n = card.qr[0]
    total = n + 2 * qr.QUIET
    cell = theme.qr * profile.scale / total
    dot = profile.dot_mm
    right, bottom = ax + aw, ay + ah
    if dot:
        cell = math.ceil(theme.qr / total / dot) * dot      # A6's module, in whole dots
        right, bottom = math.floor(right / dot) * dot, math.floor(bottom / dot) * dot
    left, top = right - n * cell, bottom - n * cell
    code = Box("qr", left - qr.QUIET * cell, top - qr.QUIET * cell, total * cell, total * cell)
    room = code.x - ax
    url = box("qr_url", ax, 0, room, 0)
    text = _break_address(card.feedback_url, url)
    widest = max(fonts.line_width(line, url.faces, 1.0) for line in text.split("\n"))
    size = min(url.size, url.w * mm / max(widest, 1e-6))
    url = _measure(text, replace(url, h=100, size=size, min_size=size))
    lines = text.count("\n") + 1
    baseline_to_top = (fonts.ASCENT + (lines - 1) * url.leading) * url.size / mm
    url = replace(url, y=bottom - baseline_to_top, text=text)
    caption = _measure(card.caption, replace(box("qr_caption", ax, 0, room, 0), h=40))
    caption = replace(caption, y=url.y - CAPTION_GAP * profile.scale - caption.h)
    return [code, caption, url]


def _break_address(address: str, b: Box) -> str:
    """Break the printed address where a reader expects it: after "/f/", then between groups.

    One line when it fits at the style's size; else the host, then the token, itself
    broken after a dash when it is still too wide (never inside a group of four).
    """
    def fits(line: str) -> bool:
        return fonts.line_width(line, b.faces, b.size) <= b.w * mm or len(line) < 2

    if fits(address) or "/" not in address.rstrip("/"):
        return address
    cut = address.rindex("/", 0, len(address) - 1) + 1
    lines, rest = [address[:cut]], address[cut:]
    while not fits(rest) and "-" in rest[:-1]:
        dashes = [i + 1 for i, ch in enumerate(rest[:-1]) if ch == "-"]
        good = [i for i in dashes if fits(rest[:i])] or dashes[:1]
        lines.append(rest[:good[-1]])
        rest = rest[good[-1]:]
    return "\n".join(lines + [rest])
