"""Mask helpers for the image pipelines, in Pillow only (numpy is not a dependency).

Windows (max/min filters by doubling shifts), a grey opening along rows, and connected
shapes labelled as runs of pixels. Used by signatures.py; nothing here knows what a
signature is.
"""

from __future__ import annotations

import re

from PIL import Image, ImageChops, ImageDraw


def above(image: Image.Image, level: float) -> Image.Image:
    """Return a mask: 255 where the image is above level."""
    return image.point(lambda v: 255 if v > level else 0)


def halve(mask: Image.Image) -> Image.Image:
    """Halve a mask; a pixel is set if any of its four was."""
    return above(mask.reduce(2), 0)


def double(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Undo halve: each pixel becomes a 2 x 2 block, cut to size."""
    return mask.resize((mask.width * 2, mask.height * 2), Image.Resampling.NEAREST).crop(
        (0, 0) + size)


def shrink(mask: Image.Image, side: int) -> Image.Image:
    """Shrink a mask to at most `side` pixels long; a pixel is set if any under it was."""
    factor = max(1, -(-max(mask.size) // side))
    return above(mask.reduce(factor), 0)


def open_rows(image: Image.Image, length: int) -> Image.Image:
    """Grey opening along rows: keep only what runs on for `length` pixels."""
    eroded, step = image, 1
    while step < length:
        eroded = ImageChops.darker(eroded, _shift(eroded, step))
        step *= 2
    opened, step = eroded, 1
    while step < length:
        opened = ImageChops.lighter(opened, _shift(opened, -step))
        step *= 2
    return opened


def _shift(image: Image.Image, dx: int) -> Image.Image:
    """Shift left by dx (right if negative), filling with 0."""
    return image.crop((dx, 0, image.width + dx, image.height))


def window(image: Image.Image, size: int, combine=ImageChops.lighter) -> Image.Image:
    """Max (or, with ImageChops.darker, min) filter over a size x size square, size odd.

    Pillow's MaxFilter costs size^2 per pixel; this costs 4 log2(size) passes of shifted
    copies over the image padded with its own edge, so the frame never wins.
    """
    goal = size // 2
    out, radius = _pad(image, goal), 0
    while radius < goal:
        step = min(2 * radius + 1, goal - radius)
        for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step)):
            out = combine(out, out.crop((dx, dy, out.width + dx, out.height + dy)))
        radius += step
    return out.crop((goal, goal, goal + image.width, goal + image.height))


def _pad(image: Image.Image, n: int) -> Image.Image:
    """Return the image with n more pixels on every side, copies of its edge pixels."""
    if n <= 0:
        return image
    w, h = image.size
    out = Image.new(image.mode, (w + 2 * n, h + 2 * n))
    out.paste(image, (n, n))
    out.paste(image.crop((0, 0, w, 1)).resize((w, n)), (n, 0))
    out.paste(image.crop((0, h - 1, w, h)).resize((w, n)), (n, h + n))
    out.paste(out.crop((n, 0, n + 1, h + 2 * n)).resize((n, h + 2 * n)), (0, 0))
    out.paste(out.crop((w + n - 1, 0, w + n, h + 2 * n)).resize((n, h + 2 * n)), (w + n, 0))
    return out


class Shape:
    """A connected shape as runs of set pixels (row, start, end), with its extent."""

    __slots__ = ("runs", "area", "contact", "box", "width")

    def __init__(self, width: int):
        self.runs, self.area, self.contact, self.width = [], 0, 0, width
        self.box = [width, 1 << 30, -1, -1]       # left, top, right, bottom (exclusive)

    @property
    def border(self) -> bool:
        """Whether the shape touches the frame."""
        return self.contact > 0

    def near(self, box, reach: float) -> bool:
        """Return whether any pixel of the shape lies within reach of the box."""
        left, top, right, bottom = box
        return any(top - reach <= y < bottom + reach and a < right + reach and left - reach < b
                   for y, a, b in self.runs)

    def add(self, y: int, a: int, b: int) -> None:
        """Add the run of pixels a..b-1 of row y."""
        self.runs.append((y, a, b))
        self.area += b - a
        box = self.box
        box[0], box[1] = min(box[0], a), min(box[1], y)
        box[2], box[3] = max(box[2], b), max(box[3], y + 1)

    def count(self, plane: bytes) -> int:
        """Return how many pixels of the shape are set (255) in the plane (an L image's bytes)."""
        w = self.width
        return sum(plane.count(255, y * w + a, y * w + b) for y, a, b in self.runs)


def shapes(mask: Image.Image) -> list[Shape]:
    """Return the 8-connected shapes of the set pixels of a mask.

    Shapes are found as runs of set pixels per row (found by a regex, in C), joined with
    the runs they overlap in the row above: a union-find over some thousands of runs,
    where a pixel-by-pixel flood fill in Python would visit millions of pixels.
    """
    width, height = mask.size
    data = mask.tobytes()
    parent, runs, previous = [], [], []
    for y in range(height):
        row = []
        for match in re.finditer(rb"[^\x00]+", data[y * width:(y + 1) * width]):
            a, b, i = match.start(), match.end(), len(runs)
            runs.append((y, a, b))
            parent.append(i)
            for j, pa, pb in previous:
                if pa <= b and a <= pb:      # overlapping or touching at a corner
                    _union(parent, i, j)
            row.append((i, a, b))
        previous = row
    found: dict[int, Shape] = {}
    for i, (y, a, b) in enumerate(runs):
        shape = found.setdefault(_find(parent, i), Shape(width))
        shape.add(y, a, b)
        # Pixels on the frame: a whole run on the top or bottom row, else its ends.
        shape.contact += b - a if y in (0, height - 1) else (a == 0) + (b == width)
    return list(found.values())


def draw(chosen, size: tuple[int, int]) -> Image.Image:
    """Return a mask with the chosen shapes set."""
    out = Image.new("L", size, 0)
    pen = ImageDraw.Draw(out)
    for shape in chosen:
        for y, a, b in shape.runs:
            pen.line((a, y, b - 1, y), fill=255)
    return out


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], i: int, j: int) -> None:
    parent[_find(parent, i)] = _find(parent, j)


def percentile(histogram: list[int], q: float) -> int:
    """Return the level below which the share q of a histogram's pixels lie."""
    total, seen = sum(histogram), 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= total * q:
            return level
    return 255
