"""QR symbols: the mask and the whole symbol are qrcode's, scored as qrcode scores them.

`qrcode` is the independent oracle: `util.lost_point` for the penalty on arbitrary
matrices, `QRCode.best_mask_pattern` for the mask choice and `QRCode.make` for the symbol.
"""

from __future__ import annotations

import base64
import secrets

import pytest
import qrcode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

from greetings.cards.renderer import qr

SIZES = [4 * version + 17 for version in range(1, 11)]  # 21 .. 57 modules


def _qrcode(text: str) -> tuple[int, tuple[int, ...]]:
    """(mask, rows) of the symbol qrcode makes, as make() makes it (no border)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.best_fit()
    mask = code.best_mask_pattern()
    code.makeImpl(False, mask)                      # what QRCode.make() does next
    return mask, tuple(qr._row_bits(row) for row in code.modules)


def _check_same_as_qrcode(text: str) -> None:
    n, rows, mask = qr.build(text)
    expected_mask, expected_rows = _qrcode(text)
    assert mask == expected_mask
    assert rows == expected_rows
    assert n == qr.qr_version(text) * 4 + 17


_TOKEN = st.binary(min_size=17, max_size=17).map(
    lambda raw: base64.b32encode(raw).decode().rstrip("=")[:26])
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=16)
_HOST = st.lists(_LABEL, min_size=1, max_size=3).map(".".join).map(
    lambda name: name + ".example")
_PATH = st.lists(_LABEL, max_size=2).map(lambda parts: "".join("/" + p for p in parts))
_BASE = st.tuples(st.sampled_from(["https://", "http://"]), _HOST,
                  st.sampled_from(["", ":8443", ":5000"]), _PATH).map("".join)


@st.composite
def _feedback_urls(draw) -> str:
    """Feedback URLs as the cards carry them: the all-uppercase form or as configured."""
    base, token = draw(_BASE), draw(_TOKEN)
    if draw(st.booleans()):
        return f"{base}/F/{token}".upper()
    return f"{base}/f/{draw(st.sampled_from([token, token.lower(), secrets.token_urlsafe(16)]))}"


_MANY = settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_MANY
@given(_feedback_urls())
def test_feedback_url_symbol_and_mask_are_qrcodes(url):
    _check_same_as_qrcode(url)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=120))
def test_any_text_symbol_and_mask_are_qrcodes(text):
    _check_same_as_qrcode(text)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=121, max_size=400))
def test_longer_text_symbol_and_mask_are_qrcodes(text):
    _check_same_as_qrcode(text)


def _modules(matrix: int, n: int) -> list[list[bool]]:
    text = format(matrix, f"0{n * n}b")
    return [[ch == "1" for ch in text[r * n: (r + 1) * n]] for r in range(n)]


@st.composite
def _matrices(draw) -> tuple[int, int]:
    """Square matrices with long runs, 2x2 blocks and finder-like patterns in them."""
    n = draw(st.sampled_from(SIZES + [11, 12, 16]))
    matrix = draw(st.integers(0, (1 << (n * n)) - 1))
    shape = draw(st.sampled_from(["random", "sparse", "dense", "stripes", "blocks"]))
    if shape == "sparse":
        matrix &= draw(st.integers(0, (1 << (n * n)) - 1))
    elif shape == "dense":
        matrix |= draw(st.integers(0, (1 << (n * n)) - 1))
    elif shape == "stripes":  # 1:1:3:1:1 with light beside it, along rows and columns
        matrix ^= int(("00001011101" * n * n)[: n * n], 2)
    elif shape == "blocks":   # every other row repeated: many one-colour 2x2 blocks
        rows = format(matrix, f"0{n * n}b")
        pairs = [rows[r * n: (r + 1) * n] for r in range(0, n, 2)]
        matrix = int("".join(row + row for row in pairs)[: n * n], 2)
    return n, matrix


@settings(max_examples=600, deadline=None)
@given(_matrices())
def test_penalty_is_qrcodes_lost_point(case):
    n, matrix = case
    assert qr.penalty(matrix, n) == util.lost_point(_modules(matrix, n))


def test_penalty_of_real_symbols_is_qrcodes_lost_point():
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data("HTTPS://GREET.EXAMPLE.COM/F/ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    code.best_fit()
    for mask in range(8):
        code.makeImpl(True, mask)                  # the layout qrcode scores
        n = len(code.modules)
        assert qr.penalty(qr._matrix_bits(code.modules), n) == util.lost_point(code.modules)


@pytest.mark.parametrize("n", [4 * version + 17 for version in range(1, 41)])
def test_dark_share_rule_is_qrcodes_at_every_5_percent_step(n):
    # N4 is computed with integers; qrcode uses floats. Compare at and around every
    # boundary (k * 5 %) of every QR size, with qrcode's own level-4 function.
    total = n * n
    for k in range(21):
        for dark in range(max(0, total * k // 20 - 2), min(total, total * k // 20 + 2) + 1):
            rows = [[True] * n] * (dark // n) + [[True] * (dark % n) + [False] * (n - dark % n)]
            rows += [[False] * n] * (n - len(rows))
            assert qr.dark_penalty(dark, n) == util._lost_point_level4(rows, n)


def test_token_alphabet_versions():
    token = base64.b32encode(secrets.token_bytes(17)).decode().rstrip("=")[:26]  # 130 bits
    assert qr.qr_version(f"HTTPS://GREET.EXAMPLE.COM/F/{token}") == 3
    assert qr.qr_version(f"https://greet.example.com/f/{secrets.token_urlsafe(16)}") == 4


def test_runs_for_drawing_are_the_dark_runs_of_every_row():
    for url in ("HTTPS://GREET.EXAMPLE.COM/F/ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "https://greet.example.com/f/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"):
        n, rows, _mask = qr.build(url)
        expected = []
        for r, row in enumerate(rows):
            cells = format(row, f"0{n}b")
            for c in range(n):
                if cells[c] == "1" and (c == 0 or cells[c - 1] == "0"):
                    length = len(cells[c:]) - len(cells[c:].lstrip("1"))
                    expected.append((r, c, length))
        assert qr.qr_runs(url) == (n, expected)
