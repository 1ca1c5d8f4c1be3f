"""QR symbols: identical to qrcode's, the versions our URLs give, runs for drawing."""

from __future__ import annotations

import base64
import secrets

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from greetings.inserts import qr


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
