"""Pillow pipeline for a packer's signature: a scan or phone photo in, clean PNGs out."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000          # a 48 MP phone photo passes; a decompression bomb does not
MAX_SIZE = (520, 170)            # ~270 dpi in the card's 50 x 16 mm signature box
WORK_WIDTH = 1600                # enough detail for a pen stroke; keeps filtering cheap


class SignatureRejected(ValueError):
    """The uploaded file cannot be used as a signature; the message says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def prepare_signature(raw: bytes) -> tuple[bytes, bytes]:
    """Turn a signature scan or photo into (PNG with transparent background, 1-bit PNG).

    The first is black ink whose alpha is the ink's strength, for laser cards; the
    second is black on white, one bit per pixel, for thermal printers.
    Raises SignatureRejected for non-images, decompression bombs, files over 5 MB
    and images with no visible ink.
    """
    image = _open(raw)
    gray = _grayscale(ImageOps.exif_transpose(image))
    alpha = _ink_alpha(gray)
    alpha = _crop_to_ink(alpha)
    alpha.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    ink = Image.new("L", alpha.size, 0)
    ink.putalpha(alpha)
    bilevel = alpha.point(lambda a: 0 if a >= 96 else 255).convert("1", dither=Image.Dither.NONE)
    return _png(ink), _png(bilevel)


def _open(raw: bytes) -> Image.Image:
    """Open the bytes as an image, refusing what is too big or not an image at all."""
    if len(raw) > MAX_BYTES:
        raise SignatureRejected("The signature file is larger than 5 MB; "
                                "please send a smaller one.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.width * image.height > MAX_PIXELS:
                raise SignatureRejected("The signature image has too many pixels "
                                        f"({image.width} x {image.height}); refusing to open it.")
            image.load()
    except SignatureRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SignatureRejected("The signature image has too many pixels; "
                                "refusing to open it.") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise SignatureRejected("The signature file is not an image Pillow can read "
                                "(use PNG or JPEG).") from exc
    return image


def _grayscale(image: Image.Image) -> Image.Image:
    """Remove transparency and replace it with white; return an 8-bit grayscale image."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    gray = image.convert("L")
    if gray.width > WORK_WIDTH:
        gray = gray.resize((WORK_WIDTH, round(gray.height * WORK_WIDTH / gray.width)),
                           Image.Resampling.LANCZOS)
    return gray


def _ink_alpha(gray: Image.Image) -> Image.Image:
    """Return ink strength as alpha: darkness below the local paper colour, noise removed.

    The paper colour is estimated locally (a max filter on a small copy), so the
    shadow of a phone held over the page does not turn into ink.
    """
    small = gray.resize((max(1, gray.width // 16), max(1, gray.height // 16)),
                        Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)
    darkness = ImageChops.subtract(paper, gray)
    histogram = darkness.histogram()
    strong = _percentile(histogram, 0.998)
    if strong < 40:
        raise SignatureRejected("No signature found in the image: it looks blank.")
    floor = max(24, strong // 5)
    scale = 255 / max(1, strong - floor)
    return darkness.point(lambda v: 0 if v <= floor else min(255, int((v - floor) * scale)))


def _percentile(histogram: list[int], q: float) -> int:
    total, seen = sum(histogram), 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= total * q:
            return level
    return 255


def _crop_to_ink(alpha: Image.Image) -> Image.Image:
    """Crop to the ink's bounding box with a small margin."""
    box = alpha.point(lambda a: 255 if a > 40 else 0).getbbox()
    if box is None:
        raise SignatureRejected("No signature found in the image: it looks blank.")
    pad = max(4, (box[3] - box[1]) // 20)
    left, top, right, bottom = box
    return alpha.crop((max(0, left - pad), max(0, top - pad),
                       min(alpha.width, right + pad), min(alpha.height, bottom + pad)))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
