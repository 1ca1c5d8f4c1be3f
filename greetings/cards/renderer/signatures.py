"""Pillow pipeline for a packer's signature: a scan or phone photo in, clean PNGs out.

A phone photo is a sheet of paper, often askew on a darker table, lit unevenly, maybe
ruled, with the signature somewhere on it. The steps, on a working copy of at most
WORK_SIDE pixels (numpy is not a dependency; masks.py has the few filters needed):

1. admission (images.admit_image): refused before any decoding if unusable;
2. the table (_paper): broad regions much darker than the nearby paper, on the dark
   side of the sheet's sharp edge and reaching the frame, are not paper;
3. shadows (_darkness): each pixel is divided by the paper's brightness there (a grey
   closing, which erases the strokes but keeps shadows), so ink under the phone's
   shadow stays ink and the shadow goes;
4. ruled paper (_remove_rules): when three or more long parallel lines cross the
   sheet, lines lighter than the ink are subtracted (a dark underline stays);
5. ink (_ink): a hysteresis threshold, then connected shapes: those touching the frame
   or the table are dropped before cropping (unless there is no table and they cross
   the frame as ink does: a scan cropped close), specks too, and what is left is the
   strongest shape with the shapes near it (_cluster).
"""

from __future__ import annotations

import io
import math
import zlib

from PIL import Image, ImageChops, ImageFilter

from . import masks
from .images import ImageRejected, admit_image

MAX_SIZE = (520, 170)            # ~270 dpi in the card's 50 x 16 mm signature box
WORK_SIDE = 1600                 # enough detail for a pen stroke; keeps filtering cheap
COARSE_SIDE = 200                # the paper and table are found at this size
STROKE = 64                      # the widest stroke (working pixels) erased from the paper
TABLE_RATIO = 0.62               # darker than this share of the nearby paper: not paper
NOISE = 24                       # darkness of paper grain and JPEG noise, at most
LOG_SCALE = 255 / math.log(255)  # 8-bit logarithms: a division becomes a subtraction


class SignatureRejected(ImageRejected):
    """The uploaded file cannot be used as a signature; the message says why, for people."""


def prepare_signature(raw: bytes) -> tuple[bytes, bytes]:
    """Turn a signature scan or photo into (PNG with transparent background, 1-bit PNG).

    The first is black ink whose alpha is the ink's strength, for laser cards; the
    second is black on white, one bit per pixel, for thermal printers; both at most
    MAX_SIZE, cropped to the signature. Raises SignatureRejected (an ImageRejected,
    with its reason code) for anything admit_image refuses and for images with no ink.
    """
    try:
        image = admit_image(raw, what="signature").decode(WORK_SIDE, Image.Resampling.BILINEAR)
    except SignatureRejected:
        raise
    except ImageRejected as error:
        raise SignatureRejected(error.reason, **error.params) from error
    gray, lum = _luminance(image)
    paper, outside = _paper(gray)
    darkness = _darkness(lum, paper)
    alpha = _ink(darkness, outside)
    alpha.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    ink = Image.new("L", alpha.size, 0)
    ink.putalpha(alpha)
    bilevel = alpha.point(lambda a: 0 if a >= 96 else 255).convert("1", dither=Image.Dither.NONE)
    return _png(ink), _png(bilevel)


def _luminance(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """Return (grey, ink luminance) of the image laid on white paper.

    The ink luminance is the mean of the grey and the brightest channel: a printed
    blue rule or red margin is bright in one channel and fades, while pen and pencil
    (dark in every channel) keep their contrast.
    """
    if image.mode in ("LA", "RGBA"):
        # A drawn signature on a transparent ground is often cut tight to the ink: a
        # margin of paper keeps its strokes off the frame's edge.
        margin = max(8, max(image.size) // 50)
        white = Image.new(image.mode, (image.width + 2 * margin, image.height + 2 * margin),
                          (255,) * len(image.mode))
        white.alpha_composite(image, (margin, margin))
        image = white.convert(image.mode[:-1])
    gray = image.convert("L")
    if image.mode == "L":
        return gray, gray
    red, green, blue = image.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return gray, ImageChops.add(gray, brightest, scale=2.0)


def _paper(gray: Image.Image) -> tuple[Image.Image, Image.Image]:
    """Return (paper brightness at every pixel, mask of the table around the sheet).

    Both come from a coarse copy. The paper's brightness is its grey closing (a max
    then a min filter wider than a stroke): the ink goes, shadows and the sheet's own
    edge stay where they are. The table is darker than TABLE_RATIO of the brightest
    paper within a quarter of the frame, broader than a stroke, reaches the frame's
    edge, and lies on the dark side of a sharp step (the sheet's edge). A shadow on the
    sheet is soft-edged: the bright side of every sharp step is cut out first, so a
    shadow that runs from the sheet onto the table stays with the sheet.
    """
    factor = max(1, round(max(gray.size) / COARSE_SIDE))
    small = gray.reduce(factor)
    width = 2 * (STROKE // factor // 2) + 1          # in coarse pixels, odd
    clean = masks.window(masks.window(small, width, ImageChops.lighter), width, ImageChops.darker)
    paper = clean.resize(gray.size, Image.Resampling.BILINEAR)
    reach = max(3, max(small.size) // 4)
    nearby = masks.window(clean, reach).filter(ImageFilter.GaussianBlur(reach / 4))
    candidates = _darker(small, nearby)
    # An opening (min then max) keeps what is wider than any stroke: a tight crop's ink
    # runs into the frame too, but a table is broad.
    candidates = masks.window(masks.window(candidates, width, ImageChops.darker), width)
    bright_side = _darker(small.filter(ImageFilter.MinFilter(5)), small)
    dark_side = _darker(small, small.filter(ImageFilter.MaxFilter(5))).tobytes()
    table = [shape for shape in masks.shapes(ImageChops.subtract(candidates, bright_side))
             if shape.border and shape.count(dark_side)]
    table = masks.window(masks.draw(table, small.size), 13)
    return paper, table.resize(gray.size, Image.Resampling.NEAREST)


def _darker(image: Image.Image, than: Image.Image) -> Image.Image:
    """Return a mask: set where image is below TABLE_RATIO of `than`."""
    return masks.above(ImageChops.subtract(than.point(lambda v: v * TABLE_RATIO), image), 0)


def _darkness(lum: Image.Image, paper: Image.Image) -> Image.Image:
    """Return how much darker than its paper each pixel is (0 paper .. 255 black).

    Computed as 1 - lum / paper with 8-bit logarithms (a lookup, then a subtraction),
    as fast as one filter, where a float division would take ten times longer.
    """
    log = [round(LOG_SCALE * math.log(max(1, v))) for v in range(256)]
    drop = ImageChops.subtract(paper.point(log), lum.point(log))
    return drop.point([round(255 * (1 - math.exp(-v / LOG_SCALE))) for v in range(256)])


def _ink(darkness: Image.Image, outside: Image.Image) -> Image.Image:
    """Return the signature's alpha, cropped: strokes kept, table, edges and specks gone.

    A first pass keeps every shape darker than the paper's noise that stays clear of
    the frame and the table; the ink's strength is measured on those shapes only. A
    second pass keeps the shapes that hold some strong ink, are not specks, and lie
    together (see _cluster). Shapes are labelled at half size, where a stroke is still
    a few pixels wide.
    """
    darkness = ImageChops.subtract(darkness, outside)
    darkest = masks.percentile(darkness.histogram(), 0.999)   # a small signature is ~0.3% ink
    darkness = _remove_rules(darkness, darkest)
    faint = max(NOISE, darkest // 4)
    walls = ImageChops.lighter(masks.halve(masks.above(darkness, faint)), masks.halve(outside))
    dark = masks.halve(masks.above(darkness, darkest * 0.55)).tobytes()
    if outside.getbbox() is None:
        # No table: a scan, or a sheet on a white desk. What touches the frame is a
        # scanner's shadow or a sheet's faint edge (lying along the frame, or faint),
        # or ink of a scan cropped close (crossing it, dark): that stays.
        along = min(walls.size) // 4
        shapes = [c for c in masks.shapes(walls) if c.area > 4 and (
            not c.border or (c.contact < along and c.count(dark) * 5 >= c.area))]
    else:
        shapes = [c for c in masks.shapes(walls) if c.area > 4 and not c.border]
    inside = masks.draw(shapes, walls.size)
    inside = ImageChops.multiply(masks.double(inside, darkness.size), masks.above(darkness, faint))
    strong = masks.percentile(darkness.histogram(mask=inside), 0.99)
    if strong < 2 * NOISE:
        raise SignatureRejected("no-ink", what="signature")
    floor = max(NOISE, strong // 4)
    weak = masks.halve(ImageChops.multiply(masks.above(darkness, floor), inside))
    seeds = masks.halve(masks.above(darkness, int(strong * 0.55))).tobytes()
    total = sum(weak.histogram()[255:])
    shapes = [c for c in masks.shapes(weak) if c.area * 400 >= total]
    strength = {id(c): c.count(seeds) for c in shapes}
    shapes = [c for c in shapes if strength[id(c)]]
    if not shapes:
        raise SignatureRejected("no-ink", what="signature")
    keep = masks.draw(_cluster(shapes, strength), weak.size)
    box = [2 * v for v in keep.getbbox()]
    keep = masks.double(masks.window(keep, 3), darkness.size)
    scale = 255 / max(1, strong - floor)
    alpha = darkness.point(lambda v: 0 if v <= floor else min(255, int((v - floor) * scale)))
    alpha = ImageChops.multiply(alpha, keep)
    pad = max(4, (box[3] - box[1]) // 20)     # beyond the frame (a close crop): transparent
    return alpha.crop((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad))


def _remove_rules(darkness: Image.Image, strong: int) -> Image.Image:
    """Subtract the ruled lines of lined paper: long, parallel, lighter than the ink.

    Found at half size on a copy turned so that the rules are level: a grey opening
    along rows (and along columns, for the margin) keeps what runs on for a sixth of
    the frame. Pixels darker than any rule (ink, or ink crossing a rule) are left alone.
    """
    half = darkness.reduce(2)
    angle = _rule_angle(masks.above(half, NOISE))
    if angle is None:
        return darkness
    turned = half.rotate(angle, Image.Resampling.NEAREST, expand=True)
    turned = ImageChops.lighter(turned, turned.crop((0, 1, turned.width, turned.height + 1)))
    length = max(16, min(half.size) // 6)
    lines = ImageChops.lighter(masks.open_rows(turned, length),
                               masks.open_rows(turned.transpose(Image.Transpose.ROTATE_90), length)
                               .transpose(Image.Transpose.ROTATE_270))
    back = lines.rotate(-angle, Image.Resampling.NEAREST, expand=True)
    left, top = (back.width - half.width) // 2, (back.height - half.height) // 2
    back = back.crop((left, top, left + half.width, top + half.height))
    cap = strong * 0.8
    back = masks.window(back.point(lambda v: v if v < cap else 0), 3)
    faint = darkness.point(lambda v: 255 if v < cap else 0)
    return ImageChops.subtract(darkness, ImageChops.multiply(
        back.resize(darkness.size, Image.Resampling.NEAREST), faint))


def _rule_angle(mask: Image.Image) -> float | None:
    """Return the turn that makes ruled lines level, or None if there are none.

    Tries every other degree within 30 of level on a small copy, then quarter degrees
    around the best on a larger one; the turn whose row sums are most concentrated wins.
    It counts as ruled paper when three or more rows are covered for a third of their
    width.
    """
    best, rows = _most_level(masks.shrink(mask, 200), range(-30, 31, 2))
    best, rows = _most_level(masks.shrink(mask, 400), [best + q / 4 for q in range(-5, 6)])
    return best if sum(1 for v in rows if v > 85) >= 3 else None


def _most_level(mask: Image.Image, angles) -> tuple[float, list[int]]:
    """Return the angle among `angles` whose turned mask has the peakiest row sums."""
    best, best_score, best_rows = 0.0, -1.0, []
    for angle in angles:
        rows = list(mask.rotate(angle, Image.Resampling.NEAREST)
                    .resize((1, mask.height), Image.Resampling.BOX).tobytes())
        mass = sum(rows)
        score = sum(v * v for v in rows) / mass if mass else 0.0
        if score > best_score:
            best, best_score, best_rows = angle, score, rows
    return best, best_rows


def _cluster(shapes: list[masks.Shape], strength: dict[int, int]) -> list[masks.Shape]:
    """Return the signature: the shape with most strong ink and those near it, step by step.

    Written names keep their parts (letters, dots, a second name, a flourish) within
    about a letter's height (the strongest shape's) of each other; a speck of the table
    or a stray mark across the sheet is farther away, and a faint outline (a sheet's
    shadow on a white desk), however large, holds little strong ink.
    """
    shapes = sorted(shapes, key=lambda s: strength[id(s)], reverse=True)
    kept, rest = shapes[:1], shapes[1:]
    left, top, right, bottom = kept[0].box
    reach = (bottom - top) * 0.75      # from the first shape only: a chain of bits of a
    grown = True                       # line must not widen the reach as it grows
    while grown and rest:
        grown = False
        for shape in list(rest):
            if shape.near((left, top, right, bottom), reach):
                sl, st, sr, sb = shape.box
                kept.append(shape)
                rest.remove(shape)
                left, top = min(left, sl), min(top, st)
                right, bottom = max(right, sr), max(bottom, sb)
                grown = True
    return kept


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Run-length deflate: 4 ms and smaller, where the default strategy at level 9 takes
    # 60 ms on a 520 x 170 alpha channel.
    image.save(out, format="PNG", compress_level=9, compress_type=zlib.Z_RLE)
    return out.getvalue()
