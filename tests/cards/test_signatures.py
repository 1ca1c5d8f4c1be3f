"""The signature pipeline: what it accepts, what it refuses, and what it makes."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from greetings.cards.renderer import SignatureRejected, prepare_signature
from tests.cards.samples import make_signature_photo


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb's calling card."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_photo_becomes_transparent_ink_and_one_bit():
    png, bilevel = prepare_signature(make_signature_photo())
    ink = Image.open(io.BytesIO(png))
    assert ink.mode == "LA" and ink.width <= 520 and ink.height <= 170
    alpha = ink.getchannel("A")
    assert alpha.getextrema() == (0, 255)
    # Cropped to the ink: the border rows and columns are nearly all transparent.
    assert alpha.crop((0, 0, ink.width, 2)).getextrema()[1] < 128
    one = Image.open(io.BytesIO(bilevel))
    assert one.mode == "1" and one.size == ink.size


def test_rotated_exif_jpeg_is_turned_upright():
    png, _ = prepare_signature(make_signature_photo(rotate_exif=True))
    ink = Image.open(io.BytesIO(png))
    assert ink.width > 2 * ink.height  # a signature is wide once EXIF is applied


def test_refuses_non_images():
    with pytest.raises(SignatureRejected, match="not an image"):
        prepare_signature(b"%PDF-1.4 definitely not a picture")


def test_refuses_decompression_bombs():
    with pytest.raises(SignatureRejected, match="too many pixels"):
        prepare_signature(_png_header_only(60_000, 60_000))


def test_refuses_files_over_5_mb():
    with pytest.raises(SignatureRejected, match="5 MB"):
        prepare_signature(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024))


def test_refuses_blank_paper():
    out = io.BytesIO()
    Image.new("RGB", (800, 300), (240, 240, 236)).save(out, "JPEG")
    with pytest.raises(SignatureRejected, match="blank"):
        prepare_signature(out.getvalue())
