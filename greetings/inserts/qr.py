"""QR symbols for the feedback URL: `qrcode`'s encoding rules, laid out with integer rows.

`qrcode` spends most of its ~4 ms per symbol in pure-Python loops: one call per bit
into its bit buffer, polynomial objects for Reed-Solomon, and the whole layout done
eight times to choose the mask. Here `qrcode` still segments the data and supplies
its tables (RS blocks, mode lengths, mask functions, function patterns, computed once
per version), while the bits are packed into Python ints, the error correction is a
table-driven LFSR, and each of the eight masks is one XOR per row, scored with the
ISO 18004 penalty rules. The symbol is identical to `qrcode`'s for the same mask
(tests/inserts/test_qr.py checks it), and the work does not depend on caching URLs.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

import qrcode
from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_M

QUIET = 4  # modules of quiet zone on every side (ISO 18004 minimum)
_RUN = re.compile(r"1+")
_LONG_LIGHT, _LONG_DARK = re.compile("00000+"), re.compile("11111+")  # 3x faster than 0{5,}|1{5,}


class _Bits:
    """The part of qrcode.util.BitBuffer that QRData.write uses, kept in one int."""

    def __init__(self):
        self.value, self.length = 0, 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def __len__(self) -> int:
        return self.length


def qr_version(url: str) -> int:
    """Return the QR version (1-40) that the URL gives at error correction M."""
    return _version(_segments(url))


def qr_matrix(url: str) -> tuple[int, tuple[int, ...]]:
    """Return (size, rows) without quiet zone; in each row, bit (size - 1 - c) is column c."""
    n, rows, _mask = build(url)
    return n, rows


def build(url: str) -> tuple[int, tuple[int, ...], int]:
    """Return (size, rows, mask) for the URL at error correction M, the best mask chosen."""
    segments = _segments(url)
    version = _version(segments)
    layout = _layout(version)
    data = layout.place(_codewords(version, segments))
    best = None
    for mask in range(8):
        rows = tuple(f | (d ^ m) | t for f, d, m, t in
                     zip(layout.function, data, layout.masks[mask], layout.fmt[mask],
                         strict=True))
        score = penalty(rows, layout.n)
        if best is None or score < best[0]:
            best = (score, rows, mask)
    return layout.n, best[1], best[2]


def dark_runs(row: int, n: int) -> list[tuple[int, int]]:
    """Return (start column, length) of each horizontal run of dark modules in the row."""
    return [(m.start(), m.end() - m.start()) for m in _RUN.finditer(format(row, f"0{n}b"))]


def penalty(rows: tuple[int, ...], n: int) -> int:
    """Score a masked symbol with the four ISO 18004 penalty rules (lower is better)."""
    lines = [format(r, f"0{n}b") for r in rows]
    # All rows and columns in one string, separated so that no pattern spans two
    # lines: two scans in C instead of 2n small ones.
    text = "2".join(lines + ["".join(c) for c in zip(*lines, strict=True)])
    runs = _LONG_LIGHT.findall(text) + _LONG_DARK.findall(text)
    score = sum(map(len, runs)) - 2 * len(runs)
    score += 40 * (text.count("00001011101") + text.count("10111010000"))
    full = (1 << n) - 1
    blocks = sum((~(a ^ b) & ~(a ^ (a >> 1)) & (full >> 1)).bit_count()
                 for a, b in zip(rows, rows[1:], strict=False))
    score += 3 * blocks
    dark = sum(r.bit_count() for r in rows)
    return score + 10 * (abs(dark * 100 // (n * n) - 50) // 5)


def _segments(url: str) -> list:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(url)
    return code.data_list


def _version(segments) -> int:
    """Smallest version whose capacity holds the segments (qrcode's best_fit, no buffer)."""
    payload = []
    for segment in segments:
        bits = _Bits()
        segment.write(bits)
        payload.append((segment.mode, len(segment), len(bits)))
    start = 1
    while True:
        sizes = util.mode_sizes_for_version(start)
        needed = sum(4 + sizes[mode] + n for mode, _, n in payload)
        version = bisect_left(util.BIT_LIMIT_TABLE[ERROR_CORRECT_M], needed, start)
        if version > 40:
            raise ValueError("URL too long for a QR code")
        if util.mode_sizes_for_version(version) is sizes:
            return version
        start = version


def _codewords(version: int, segments) -> list[int]:
    """Data and error-correction codewords, interleaved, as qrcode.util.create_data makes them."""
    bits = _Bits()
    for segment in segments:
        bits.put(segment.mode, 4)
        bits.put(len(segment), util.length_in_bits(segment.mode, version))
        segment.write(bits)
    blocks = base.rs_blocks(version, ERROR_CORRECT_M)
    limit = sum(block.data_count for block in blocks)
    # Terminator (up to 4 zero bits) and the pad to a whole byte are zero bits.
    used = -(-(bits.length + min(limit * 8 - bits.length, 4)) // 8)
    stream = list((bits.value << (used * 8 - bits.length)).to_bytes(used, "big"))
    stream += [(util.PAD0, util.PAD1)[i % 2] for i in range(limit - used)]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = stream[offset: offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_rs_remainder(chunk, block.total_count - block.data_count))
    out = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


@lru_cache(maxsize=32)
def _rs_table(ec_count: int) -> tuple[tuple[int, ...], ...]:
    """Products of every byte value with the generator polynomial, one row per value."""
    poly = base.Polynomial([1], 0)
    for i in range(ec_count):
        poly = poly * base.Polynomial([1, base.gexp(i)], 0)
    generator = [poly[i] for i in range(1, len(poly))]
    rows = [(0,) * ec_count]
    for factor in range(1, 256):
        lf = base.glog(factor)
        rows.append(tuple(base.gexp(base.glog(g) + lf) if g else 0 for g in generator))
    return tuple(rows)


def _rs_remainder(data: list[int], ec_count: int) -> list[int]:
    """Reed-Solomon remainder as an LFSR: one table row XORed in per data byte."""
    table = _rs_table(ec_count)
    rem = [0] * ec_count
    for byte in data:
        row = table[byte ^ rem[0]]
        rem = [a ^ b for a, b in zip(rem[1:] + [0], row, strict=True)]
    return rem


def _row_bits(row) -> int:
    bits = 0
    for dark in row:
        bits = (bits << 1) | bool(dark)
    return bits


class _Layout:
    """What a version fixes: function patterns, data-module order, masks and format bits."""

    def __init__(self, version: int):
        probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M)
        n = self.n = probe.modules_count = version * 4 + 17
        probe.modules = [[None] * n for _ in range(n)]
        for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
            probe.setup_position_probe_pattern(row, col)
        probe.setup_position_adjust_pattern()
        probe.setup_timing_pattern()
        if version >= 7:
            probe.setup_type_number(False)
        self.function = tuple(_row_bits(row) for row in probe.modules)
        fixed = [[m is not None for m in row] for row in probe.modules]
        self.masks, self.fmt = [], []
        for mask in range(8):
            probe.setup_type_info(False, mask)
            taken = [[m is not None for m in row] for row in probe.modules]
            self.fmt.append(tuple(_row_bits(m and not f for m, f in zip(row, fr, strict=True))
                                  for row, fr in zip(probe.modules, fixed, strict=True)))
            func = util.mask_func(mask)
            self.masks.append(tuple(_row_bits(not taken[r][c] and func(r, c) for c in range(n))
                                    for r in range(n)))
        self.order = self._order(taken)

    def _order(self, taken) -> list[tuple[int, int]]:
        """Data module positions in qrcode's map_data order (upwards/downwards column pairs)."""
        n, order, row, inc = self.n, [], self.n - 1, -1
        for col in range(n - 1, 0, -2):
            col -= col <= 6
            while 0 <= row < n:
                order.extend((row, c) for c in (col, col - 1) if not taken[row][c])
                row += inc
            row -= inc
            inc = -inc
        return order

    def place(self, codewords: list[int]) -> list[int]:
        """Return unmasked data rows: codeword bits laid along the module order."""
        rows = [0] * self.n
        bits = int.from_bytes(bytes(codewords), "big")
        total = len(codewords) * 8
        for i, (r, c) in enumerate(self.order[:total]):
            if (bits >> (total - 1 - i)) & 1:
                rows[r] |= 1 << (self.n - 1 - c)
        return rows


@lru_cache(maxsize=41)
def _layout(version: int) -> _Layout:
    return _Layout(version)
