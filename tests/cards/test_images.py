"""Admission of uploaded images: refused before decoding, decoded bounded and normalised."""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from greetings.cards.renderer import ImageRejected, admit_image, images, prepare_logo
from tests.cards.samples import make_logo, make_png_bomb, make_signature_photo

PNG_MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]
JPEG_MODES = ["L", "RGB", "CMYK"]


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _picture(mode: str, size=(64, 48)) -> Image.Image:
    """A picture with some structure in the given mode (a gradient with a dark square)."""
    rgb = Image.linear_gradient("L").resize(size).convert("RGB")
    rgb.paste((20, 30, 90), (8, 8, 24, 24))
    if mode == "I;16":
        return rgb.convert("L").point(lambda v: v * 257, "I").convert("I;16")
    return rgb.convert(mode)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int, depth: int, colour: int, body: bytes) -> bytes:
    """A PNG whose header says anything, with a little pixel data after it."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(body)) + _chunk(b"IEND", b""))


def _rejected(raw: bytes, reason: str, **kwargs) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        admit_image(raw, **kwargs)
    assert caught.value.reason == reason, caught.value.message
    return caught.value


@pytest.fixture
def no_pillow(monkeypatch):
    """Make any use of Pillow's decoders fail the test: refusals must come before them."""
    def refuse(*args, **kwargs):
        raise AssertionError("Pillow was asked to open a file that should be refused first")
    monkeypatch.setattr(images.Image, "open", refuse)


# ---- refused before decoding ------------------------------------------------------------

def test_a_tall_strip_is_refused_from_its_header(no_pillow):
    """Issue 13 item 7: a 95 KB PNG of 1 x 49,000,000 px took 11.7 s and 3 GB."""
    raw = make_png_bomb(1, 49_000_000)
    assert len(raw) < 100_000
    error = _rejected(raw, "aspect-ratio", what="signature")
    assert error.status == 422
    assert "1 x 49000000" in error.message and "signature" in error.message


def test_a_wide_strip_is_refused_too(no_pillow):
    """Issue 13 item 7: 49,000,000 x 1 crashed `packer add` with a ValueError."""
    _rejected(make_png_bomb(49_000_000, 1), "aspect-ratio")


def test_a_bomb_over_the_pixel_limit_is_refused(no_pillow):
    error = _rejected(_png_declaring(60_000, 60_000, 1, 0, b""), "too-many-pixels")
    assert "too many pixels" in error.message and "3600 megapixels" in error.message
    _rejected(make_png_bomb(5000, 5000, depth=1), "too-many-pixels")


def test_the_largest_admitted_images_are_just_under_the_limits():
    """A PNG is decoded whole (24 MP); a JPEG at a reduced scale, so it may hold 50 MP."""
    admitted = admit_image(make_png_bomb(4898, 4898, depth=1))
    assert (admitted.format, admitted.width, admitted.height) == ("PNG", 4898, 4898)
    with pytest.raises(ImageRejected, match="the limit is 24"):
        admit_image(make_png_bomb(4900, 4900, depth=1))
    assert admit_image(_saved(Image.new("L", (8000, 6000)), "JPEG")).width == 8000
    with pytest.raises(ImageRejected, match="the limit is 50"):
        admit_image(_saved(Image.new("L", (8000, 6400)), "JPEG"))


@pytest.mark.parametrize("size", [(0, 100), (100, 0), (15, 15), (15, 200)])
def test_tiny_images_are_refused(no_pillow, size):
    _rejected(make_png_bomb(*size), "too-small")


def test_empty_and_oversized_files(no_pillow):
    error = _rejected(b"", "empty", what="logo")
    assert error.message == "The logo file is empty."
    error = _rejected(b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024), "too-large")
    assert error.status == 413 and "10 MB" in error.message


@pytest.mark.parametrize(("raw", "kind"), [
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
    (b"  <svg width='10' height='10'><script>alert(1)</script></svg>", "an SVG drawing"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a GIF image"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a WebP image"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "a HEIC photo"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "a PDF document"),
    (b"Dear Sir, please find my signature attached.\n", "text"),
    (b"\x00\x01\x02\x03\xfe\xff", "of a kind we cannot use"),
])
def test_other_kinds_are_named_and_refused(no_pillow, raw, kind):
    error = _rejected(raw, "not-png-or-jpeg", what="logo")
    assert error.status == 415
    assert f"is {kind}, not a PNG or JPEG" in error.message
    assert error.message.startswith("The logo file")
    assert "Please upload a PNG or JPEG" in error.message


def test_a_refusal_survives_pickling():
    error = _rejected(b"", "empty", what="logo")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    assert (type(copy), copy.reason, copy.message) == (ImageRejected, "empty", error.message)


def test_a_heic_photo_gets_a_hint_for_iphones():
    error = _rejected(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "not-png-or-jpeg")
    assert "Most Compatible" in error.message


def test_the_file_name_does_not_matter_only_the_bytes():
    """A GIF renamed .png is still a GIF: the check reads magic bytes, never names."""
    gif = _saved(_picture("P"), "GIF")
    _rejected(gif, "not-png-or-jpeg")


def test_damaged_headers_are_unreadable(no_pillow):
    png = _saved(_picture("RGB"), "PNG")
    _rejected(png[:20], "unreadable")                           # cut inside IHDR
    _rejected(png[:8] + _chunk(b"tEXt", b"a\0b") + png[8:], "unreadable")   # IHDR not first
    jpeg = _saved(_picture("RGB"), "JPEG")
    _rejected(jpeg[:2] + b"\xff\xd9", "unreadable")               # ends before a frame
    _rejected(b"\xff\xd8\xff\xda\x00\x08" + bytes(8), "unreadable")  # a scan, no frame


def test_a_jpeg_with_two_different_frame_sizes_is_unreadable():
    jpeg = _saved(_picture("L", (64, 48)), "JPEG")
    at = jpeg.index(b"\xff\xc0")
    length = struct.unpack(">H", jpeg[at + 2:at + 4])[0]
    other = bytearray(jpeg[at:at + 2 + length])
    other[5:9] = struct.pack(">HH", 9000, 9000)
    _rejected(jpeg[:at] + bytes(other) + jpeg[at:], "unreadable")


def test_a_progressive_scan_bomb_is_refused(no_pillow):
    """Each scan of a progressive JPEG is a pass over every block, however few bytes."""
    jpeg = _saved(_picture("RGB"), "JPEG", progressive=True)
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"       # one more (empty) scan
    bomb = jpeg[:-2] + scan * 200 + b"\xff\xd9"
    _rejected(bomb, "unreadable")


def test_an_animated_png_is_refused_and_a_still_one_accepted():
    frames = [_picture("RGB"), _picture("L").convert("RGB")]
    apng = _saved(frames[0], "PNG", save_all=True, append_images=frames[1:])
    error = _rejected(apng, "animated")
    assert "still PNG or JPEG" in error.message
    still = _saved(frames[0], "PNG", save_all=True, append_images=[])
    assert admit_image(still).format == "PNG"


def test_a_jpeg_with_more_pictures_uses_the_first():
    """Phones add depth maps and HDR gain maps as further pictures (MPO)."""
    first, second = _picture("RGB", (80, 60)), _picture("RGB", (40, 30))
    mpo = _saved(first, "MPO", save_all=True, append_images=[second])
    admitted = admit_image(mpo)
    assert admitted.decode().size == (80, 60)
    assert admitted.decode(max_side=40).size == (40, 30)


# ---- decoding: bounded and normalised ---------------------------------------------------

@pytest.mark.parametrize("mode", PNG_MODES)
def test_every_png_mode_decodes_to_8_bit(mode):
    image = admit_image(_saved(_picture(mode), "PNG")).decode()
    assert image.mode in ("L", "LA", "RGB", "RGBA") and image.size == (64, 48)


@pytest.mark.parametrize("mode", JPEG_MODES)
def test_every_jpeg_mode_decodes_to_8_bit(mode):
    image = admit_image(_saved(_picture(mode), "JPEG")).decode()
    assert image.mode in ("L", "RGB") and image.size == (64, 48)


def test_16_bit_grey_is_scaled_not_clipped():
    """Pillow's convert("L") clips 16-bit values above 255 to white: a scan would go blank."""
    image = admit_image(_saved(_picture("I;16"), "PNG")).decode()
    low, high = image.getextrema()
    assert low < 40 and 200 < high <= 255
    assert 100 < image.getpixel((40, 24)) < 160      # mid-grey of the gradient stays grey


def test_transparency_is_kept_in_every_form():
    rgba = _picture("RGBA")
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    palette = _picture("P")
    palette.info["transparency"] = palette.getpixel((0, 0))
    rgb = _picture("RGB")
    for raw in (_saved(rgba, "PNG"), _saved(palette, "PNG", transparency=palette.getpixel((0, 0))),
                _saved(rgb, "PNG", transparency=rgb.getpixel((0, 0)))):
        image = admit_image(raw).decode()
        assert image.mode in ("LA", "RGBA") and image.getpixel((0, 0))[-1] == 0


def test_exif_orientation_is_applied():
    raw = make_signature_photo(rotate_exif=True)       # stored portrait, shown landscape
    admitted = admit_image(raw)
    assert admitted.width < admitted.height
    image = admitted.decode()
    assert image.width > image.height
    assert admitted.decode(max_side=400).size == (400, 178)


def test_a_large_jpeg_decodes_small_at_once():
    photo = _saved(Image.new("RGB", (4000, 3000), (240, 240, 240)), "JPEG")
    image = admit_image(photo).decode(max_side=900)
    assert image.size == (900, 675)
    huge = _saved(Image.new("L", (8000, 6000), 235), "JPEG")     # 48 MP: read at half scale
    assert admit_image(huge).decode().size == (images.DECODE_SIDE, 1536)


def test_a_truncated_file_is_unreadable_at_decoding():
    for raw in (make_signature_photo(), _saved(_picture("RGB", (400, 300)), "PNG")):
        admitted = admit_image(raw[:len(raw) // 2])
        with pytest.raises(ImageRejected) as caught:
            admitted.decode()
        assert caught.value.reason == "unreadable"


# ---- logos -------------------------------------------------------------------------------

def test_a_logo_keeps_its_transparency_and_loses_its_margins():
    logo = Image.open(io.BytesIO(make_logo()))
    padded = Image.new("RGBA", (logo.width + 200, logo.height + 100), (0, 0, 0, 0))
    padded.paste(logo, (100, 50))
    out = Image.open(io.BytesIO(prepare_logo(_saved(padded, "PNG"))))
    assert out.format == "PNG" and out.mode == "RGBA" and out.size == logo.size
    assert out.getchannel("A").getextrema() == (0, 255)


def test_a_big_photo_logo_is_shrunk_and_its_exif_dropped():
    photo = Image.effect_noise((2000, 1500), 80).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    raw = _saved(photo, "JPEG", quality=95, exif=exif)
    out = prepare_logo(raw)
    image = Image.open(io.BytesIO(out))
    assert max(image.size) <= images.LOGO_MAX_SIDE and image.mode == "RGB"
    assert len(out) <= images.LOGO_MAX_PNG_BYTES
    assert not image.getexif() and "exif" not in image.info


def test_a_logo_that_is_all_transparent_is_blank():
    with pytest.raises(ImageRejected) as caught:
        prepare_logo(_saved(Image.new("RGBA", (300, 100), (255, 0, 0, 0)), "PNG"))
    assert caught.value.reason == "blank"


def test_an_svg_logo_is_refused_clearly():
    with pytest.raises(ImageRejected, match="The logo file is an SVG drawing") as caught:
        prepare_logo(b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>")
    assert caught.value.status == 415


# ---- fuzz --------------------------------------------------------------------------------

SAMPLES = [_saved(_picture(m), "PNG") for m in PNG_MODES] + [
    _saved(_picture(m), "JPEG") for m in JPEG_MODES] + [
    _saved(_picture("RGB"), "JPEG", progressive=True)]

damaged = st.builds(
    lambda raw, cut, flips: _damage(raw, cut, flips),
    st.sampled_from(SAMPLES), st.floats(0, 1),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6))


def _damage(raw: bytes, cut: float, flips) -> bytes:
    data = bytearray(raw[:max(1, int(len(raw) * cut))] if cut < 0.9 else raw)
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    return bytes(data)


declared = st.builds(
    _png_declaring, st.integers(0, 2**31 - 1) | st.integers(0, 70_000),
    st.integers(0, 2**31 - 1) | st.integers(0, 70_000), st.sampled_from([1, 2, 4, 8, 16, 3]),
    st.sampled_from([0, 2, 3, 4, 6, 5]), st.binary(max_size=64))

uploads = st.binary(max_size=2048) | damaged | declared


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uploads)
def test_fuzz_admission_and_decoding_never_fail_otherwise(raw):
    """Random bytes, damaged PNGs and JPEGs, any declared size: an image or a reason."""
    try:
        image = admit_image(raw).decode(max_side=256)
    except ImageRejected as error:
        assert error.reason in images.REASONS and error.message
        return
    assert image.mode in ("L", "LA", "RGB", "RGBA") and max(image.size) <= 256


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uploads)
def test_fuzz_logos(raw):
    try:
        out = prepare_logo(raw)
    except ImageRejected as error:
        assert error.reason in images.REASONS
        return
    assert Image.open(io.BytesIO(out)).format == "PNG"
