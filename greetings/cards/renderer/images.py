"""Admission of uploaded images (signatures, logos): refuse before decoding, then normalise.

Every check that can be made from the bytes and the header is made before Pillow
decodes a single pixel: size of the file, PNG or JPEG by magic bytes, the dimensions
from the PNG IHDR or the JPEG SOF segment, pixel count, aspect ratio, and for JPEG the
number of scans. Decoding is then bounded by those limits: a PNG is decoded whole,
so it may hold at most MAX_PNG_PIXELS (Pillow keeps 4 bytes a pixel in colour: ~100 MB);
a JPEG decodes straight at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling), so it may
hold MAX_PIXELS and still costs a fraction of that.

Public surface: admit_image, AdmittedImage, ImageRejected, prepare_logo, REASONS.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024     # PRODUCT.md "Limits": uploads of at most 10 MB
MAX_PIXELS = 50_000_000          # a 48 MP phone photo passes; a 95 KB PNG of 1 x 49 M does not
MAX_PNG_PIXELS = 24_000_000      # an A4 scan at 300 dpi is 8.7 MP; decoded whole, so less
DECODE_SIDE = 2048               # decode() at most; a JPEG is then read at <= 4096 px (48 MB)
MAX_ASPECT = 20                  # a signature is ~3:1; 20:1 is already a strip
MIN_SIDE = 16                    # below this there is nothing to print
MAX_JPEG_SCANS = 150             # progressive photos use ~10; each scan is a pass over every block
LOGO_MAX_SIDE = 1200             # ~3x the 45 x 15 mm logo box at 300 dpi
LOGO_MAX_PNG_BYTES = 1024 * 1024

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

# Machine-readable reason -> (HTTP status for problem+json, English text for people).
# The text takes the params of the exception; the console may translate by reason.
REASONS: dict[str, tuple[int, str]] = {
    "empty": (422, "The {what} file is empty."),
    "too-large": (413, "The {what} file is {megabytes} MB; the limit is {limit_mb} MB. "
                       "Please send a smaller one."),
    "not-png-or-jpeg": (415, "The {what} file is {kind}, not a PNG or JPEG image. "
                             "Please upload a PNG or JPEG.{hint}"),
    "too-many-pixels": (422, "The {what} image has too many pixels ({width} x {height}, "
                             "{megapixels} megapixels; the limit is {limit_mp}). "
                             "Please send a smaller image."),
    "aspect-ratio": (422, "The {what} image is {width} x {height} pixels: too long and thin "
                          "(at most {limit}:1). Please crop it closer to the {what}."),
    "too-small": (422, "The {what} image is only {width} x {height} pixels; please send "
                       "one at least {limit} pixels on each side."),
    "unreadable": (422, "The {what} file is damaged or incomplete and cannot be read. "
                        "Please save it again as PNG or JPEG."),
    "animated": (422, "The {what} image is animated; please upload a still PNG or JPEG."),
    "blank": (422, "The {what} image is blank: every pixel is transparent."),
    "no-ink": (422, "No signature found in the image: it looks blank. Please sign in dark "
                    "ink on plain paper and fill the photo with the signature."),
}

# Magic bytes of what people upload instead, to say what it is (the message helps more).
_KINDS = [
    (re.compile(rb"GIF8[79]a"), "a GIF image"),
    (re.compile(rb"RIFF....WEBP", re.S), "a WebP image"),
    (re.compile(rb"....ftyp(heic|heix|hevc|heim|heis|mif1|msf1)", re.S), "a HEIC photo"),
    (re.compile(rb"....ftypavi[fs]", re.S), "an AVIF image"),
    (re.compile(rb"%PDF-"), "a PDF document"),
    (re.compile(rb"BM"), "a BMP image"),
    (re.compile(rb"II\*\x00|MM\x00\*"), "a TIFF image"),
    (re.compile(rb"\x00\x00\x01\x00"), "an icon file"),
    (re.compile(rb"PK\x03\x04"), "a ZIP archive or office document"),
]


class ImageRejected(ValueError):
    """An upload that cannot be used; `message` says why for people.

    reason: a machine-readable code (a key of REASONS), status: the HTTP status an API
    answers with, params: the values in the message (for translating it by reason).
    """

    def __init__(self, reason: str, **params):
        status, text = REASONS[reason]
        self.reason, self.status, self.params = reason, status, params
        self.message = text.format(**params)
        super().__init__(self.message)

    def __reduce__(self):
        # Rebuilt from reason and params (not the message) when pickled, e.g. by a queue.
        return _rebuild, (type(self), self.reason, self.params)


def _rebuild(cls, reason: str, params: dict) -> ImageRejected:
    return cls(reason, **params)


@dataclass(frozen=True)
class AdmittedImage:
    """An upload that passed every check that needs no decoding; decode() gives pixels."""

    raw: bytes = field(repr=False)
    format: str                  # "PNG" or "JPEG"
    width: int                   # as stored, before any EXIF rotation
    height: int
    what: str = "image"

    def decode(self, max_side: int = DECODE_SIDE,
               resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
        """Return the image upright (EXIF applied), 8-bit, in mode L, LA, RGB or RGBA.

        The long side is at most max_side pixels (shrunk with `resample`); JPEGs are
        decoded at a reduced scale directly (libjpeg's DCT scaling), which is what
        keeps a 12 MP photo cheap. Raises ImageRejected("unreadable") for a damaged file.
        """
        try:
            image = _open(self.raw, self.format)
            orientation = _orientation(image)
            if self.format == "JPEG":       # MPO too: it is a JPEG
                image.draft(image.mode, _scaled((image.width, image.height), max_side))
            image.load()
            image = _normalise(image)
            if max(image.size) > max_side:
                image = image.resize(_scaled(image.size, max_side), resample, reducing_gap=3.0)
        except _DECODE_ERRORS as error:
            raise ImageRejected("unreadable", what=self.what) from error
        if orientation in _TRANSPOSE:
            image = image.transpose(_TRANSPOSE[orientation])
        return image


# What Pillow and zlib raise on damaged data; anything else is a bug to hear about.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error,
                  IndexError, KeyError, TypeError, UnidentifiedImageError,
                  Image.DecompressionBombError)

# EXIF orientation -> the transposition that shows the picture upright (as in ImageOps).
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def admit_image(raw: bytes, *, what: str = "image") -> AdmittedImage:
    """Check an upload without decoding it; return it admitted or raise ImageRejected.

    what names the upload in messages ("signature", "logo"). Refused: empty files,
    files over MAX_BYTES, anything but PNG or JPEG (by magic bytes, whatever the file's
    name says), images over MAX_PIXELS (MAX_PNG_PIXELS for a PNG), longer than
    MAX_ASPECT:1 or under MIN_SIDE, headers that are damaged or disagree with Pillow's
    reading, animated PNGs, and JPEGs with more than MAX_JPEG_SCANS scans. The cost is
    a few header reads, whatever the file declares.
    """
    raw = bytes(raw)
    if not raw:
        raise ImageRejected("empty", what=what)
    if len(raw) > MAX_BYTES:
        tenths = -(-len(raw) * 10 // (1024 * 1024))    # up: 10 MB + 1 byte is "10.1 MB"
        raise ImageRejected("too-large", what=what, megabytes=f"{tenths / 10:.1f}",
                            limit_mb=MAX_BYTES // 1024 // 1024)
    if raw.startswith(PNG_MAGIC):
        kind, (width, height) = "PNG", _png_size(raw, what)
    elif raw.startswith(JPEG_MAGIC):
        kind, (width, height) = "JPEG", _jpeg_size(raw, what)
    else:
        kind = _kind(raw)
        hint = (" (An iPhone takes JPEGs with Settings > Camera > Formats > Most Compatible.)"
                if "HEIC" in kind else "")
        raise ImageRejected("not-png-or-jpeg", what=what, kind=kind, hint=hint)
    _check_dimensions(width, height, MAX_PNG_PIXELS if kind == "PNG" else MAX_PIXELS, what)
    _check_with_pillow(raw, kind, (width, height), what)
    return AdmittedImage(raw, kind, width, height, what)


def _check_dimensions(width: int, height: int, limit: int, what: str) -> None:
    size = {"what": what, "width": width, "height": height}
    if min(width, height) < MIN_SIDE:
        if max(width, height) > MIN_SIDE * MAX_ASPECT:
            raise ImageRejected("aspect-ratio", limit=MAX_ASPECT, **size)
        raise ImageRejected("too-small", limit=MIN_SIDE, **size)
    if width * height > limit:
        raise ImageRejected("too-many-pixels", megapixels=f"{width * height / 1e6:.0f}",
                            limit_mp=limit // 1_000_000, **size)
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageRejected("aspect-ratio", limit=MAX_ASPECT, **size)


def _check_with_pillow(raw: bytes, kind: str, size: tuple[int, int], what: str) -> None:
    """Open lazily (headers only) and refuse what Pillow reads differently or animates."""
    try:
        image = _open(raw, kind)
        frames = getattr(image, "n_frames", 1)
    except _DECODE_ERRORS as error:
        raise ImageRejected("unreadable", what=what) from error
    if image.size != size:
        raise ImageRejected("unreadable", what=what)
    # An APNG prints as its first frame only, which is not what its sender saw moving.
    # JPEGs with more pictures (MPO: phones' depth maps and HDR gain maps) use the first.
    if kind == "PNG" and frames > 1:
        raise ImageRejected("animated", what=what)


def _open(raw: bytes, kind: str) -> Image.Image:
    """Open with only the one plugin the magic bytes chose: nothing else gets to parse."""
    return Image.open(io.BytesIO(raw), formats=[kind])


def _png_size(raw: bytes, what: str) -> tuple[int, int]:
    """Read width and height from the IHDR chunk, which PNG requires to come first."""
    if len(raw) < 33 or raw[8:16] != b"\0\0\0\x0dIHDR":
        raise ImageRejected("unreadable", what=what)
    return struct.unpack(">II", raw[16:24])


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(raw: bytes, what: str) -> tuple[int, int]:
    """Walk the JPEG segments up to the first scan; return the frame's size from SOF.

    Pillow would tell the size too, but its lazy open already applies its own
    decompression-bomb warnings (process-wide state); this walk reads ~a few hundred
    bytes and refuses files without a frame header, with two differing ones, or with
    more scans than any camera writes (a progressive "scan bomb" costs a pass over the
    whole image per scan, however small the file).
    """
    sizes, pos, end = set(), 2, len(raw)
    while True:
        if pos >= end or raw[pos] != 0xFF:
            raise ImageRejected("unreadable", what=what)
        while pos < end and raw[pos] == 0xFF:       # fill bytes before a marker
            pos += 1
        if pos + 3 > end:
            raise ImageRejected("unreadable", what=what)
        marker = raw[pos]
        length = struct.unpack(">H", raw[pos + 1:pos + 3])[0]
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            pos += 1
            continue
        if marker == 0xD9 or length < 2:
            raise ImageRejected("unreadable", what=what)
        if marker in _SOF and pos + 8 <= end:
            sizes.add(struct.unpack(">HH", raw[pos + 4:pos + 8])[::-1])
        if marker == 0xDA:
            break
        pos += 1 + length
    if len(sizes) != 1:
        raise ImageRejected("unreadable", what=what)
    # Inside the compressed data every 0xFF is followed by 0x00 (or a restart marker), so
    # counting FF DA counts scans (plus the few of an embedded thumbnail).
    if raw.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise ImageRejected("unreadable", what=what)
    return sizes.pop()


def _kind(raw: bytes) -> str:
    """Say what an upload that is not PNG or JPEG looks like, for the message."""
    head = raw[:1024]
    if head.lstrip().startswith(b"<") and b"<svg" in head.lower():
        return "an SVG drawing"
    for pattern, kind in _KINDS:
        if pattern.match(head):
            return kind
    text = head.decode("utf-8", "ignore")      # "ignore": the cut may split a character
    if text.strip() and all(c.isprintable() or c.isspace() for c in text):
        return "text"
    return "of a kind we cannot use"


def _orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1 when absent or unreadable)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) else 1


def _normalise(image: Image.Image) -> Image.Image:
    """Convert any PNG/JPEG mode to 8-bit L, LA, RGB or RGBA, keeping transparency."""
    mode = image.mode
    if mode.startswith("I"):
        # 16-bit grey: convert("L") would clip everything above 255 to white; scale it.
        return image.convert("I").point(lambda v: v / 257).convert("L")
    transparent = "transparency" in image.info or mode in ("LA", "PA", "RGBA")
    if mode in ("1", "L") and not transparent:
        return image.convert("L") if mode == "1" else image
    if mode in ("1", "L", "LA"):
        return image.convert("LA")
    if mode in ("RGB", "RGBA"):
        return image.convert("RGBA") if transparent and mode == "RGB" else image
    return image.convert("RGBA" if transparent else "RGB")   # P, PA, CMYK, YCbCr


def _scaled(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Return size shrunk (never grown) so that its long side is at most max_side."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def prepare_logo(raw: bytes) -> bytes:
    """Turn an uploaded logo into a normalised PNG for cards and pages.

    Admitted as any upload, then decoded upright, transparent margins trimmed,
    at most LOGO_MAX_SIDE pixels on the long side (smaller still if the PNG would
    exceed LOGO_MAX_PNG_BYTES, as a photograph might), metadata dropped (a phone's
    EXIF can carry where it was taken), transparency kept. Raises ImageRejected.
    """
    image = admit_image(raw, what="logo").decode(max_side=LOGO_MAX_SIDE)
    if image.mode in ("LA", "RGBA"):
        box = image.getchannel("A").getbbox()
        if box is None:
            raise ImageRejected("blank", what="logo")
        image = image.crop(box)
    while True:
        png = _png(image)
        if len(png) <= LOGO_MAX_PNG_BYTES or max(image.size) <= 200:
            return png
        # PNG bytes grow with the pixel count: shrink by the square root of the excess.
        side = int(max(image.size) * min(0.9, 0.95 * (LOGO_MAX_PNG_BYTES / len(png)) ** 0.5))
        image = image.resize(_scaled(image.size, max(200, side)), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # zlib's default level: level 9 takes seconds on a photograph and saves a few percent.
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
