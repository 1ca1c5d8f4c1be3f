"""QR symbols: identical to qrcode's, the versions our URLs give, runs for drawing."""

from __future__ import annotations

import base64
import re
import secrets

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from greetings.cards.renderer import qr


def _reference(url: str, mask: int) -> tuple[int, ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.version = code.best_fit()
    code.makeImpl(False, mask)
    return tuple(qr._row_bits(row) for row in code.modules)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_symbol_is_what_qrcode_makes_for_the_same_mask(text):
    n, rows, mask = qr.build(text)
    assert rows == _reference(text, mask)
    assert n == qr.qr_version(text) * 4 + 17


def test_token_alphabet_versions():
    token = base64.b32encode(secrets.token_bytes(17)).decode().rstrip("=")[:26]  # 130 bits
    assert qr.qr_version(f"HTTPS://GREET.EXAMPLE.COM/F/{token}") == 3
    assert qr.qr_version(f"https://greet.example.com/f/{secrets.token_urlsafe(16)}") == 4


@pytest.mark.parametrize("row, runs", [(0b0110111, [(1, 2), (4, 3)]), (0, []),
                                       (0b1111111, [(0, 7)])])
def test_dark_runs(row, runs):
    assert qr.dark_runs(row, 7) == runs


def _penalty_by_strings(matrix: int, n: int) -> int:
    """The penalty scored line by line on strings: the reference for the bit-parallel one."""
    text = format(matrix, f"0{n * n}b")
    rows = [text[i: i + n] for i in range(0, n * n, n)]
    lines = "2".join(rows + ["".join(col) for col in zip(*rows, strict=True)])
    runs = re.findall("0{5,}|1{5,}", lines)
    score = sum(len(run) - 2 for run in runs)
    score += 40 * (lines.count("00001011101") + lines.count("10111010000"))
    bits = [int(row, 2) for row in rows]
    full = (1 << n) - 1
    score += 3 * sum((~(a ^ b) & ~(a ^ (a >> 1)) & (full >> 1)).bit_count()
                     for a, b in zip(bits, bits[1:], strict=False))
    dark = matrix.bit_count()
    return score + 10 * (abs(dark * 100 // (n * n) - 50) // 5)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([11, 21, 25, 29, 33]), st.data())
def test_bit_parallel_penalty_matches_line_by_line_scoring(n, data):
    # Sparse, dense and striped matrices, so long runs and 1:1:3:1:1 patterns occur.
    matrix = data.draw(st.integers(0, (1 << (n * n)) - 1))
    stripes = data.draw(st.sampled_from([0, int("00001011101" * n * n, 2) >> (11 * n * n - n * n)]))
    matrix = matrix & data.draw(st.integers(0, (1 << (n * n)) - 1)) if data.draw(
        st.booleans()) else matrix
    matrix ^= stripes
    assert qr.penalty(matrix, n) == _penalty_by_strings(matrix, n)


def test_dark_rects_are_the_runs_of_every_row():
    n, rows = qr.qr_matrix("HTTPS://GREET.EXAMPLE.COM/F/ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert qr.dark_rects(rows, n) == [(r, start, length) for r, row in enumerate(rows)
                                      for start, length in qr.dark_runs(row, n)]
