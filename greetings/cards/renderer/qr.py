"""QR symbols for the feedback URL: the symbol `qrcode` makes, built with integers.

Why not call `qrcode` itself: it spends ~7 ms per symbol in pure-Python loops (one
call per bit into its bit buffer, polynomial objects for Reed-Solomon, the whole
layout done and scored eight times to choose the mask), several times the rest of
the card. Here `qrcode` still segments the data and supplies its tables (RS blocks,
mode lengths, mask functions, function patterns, computed once per version), while
the bits are packed into Python ints, the error correction is a table-driven LFSR on
one int, the codeword bits are scattered onto the symbol by one precomputed
itemgetter, and the whole symbol is one int: each of the eight masks is one XOR.

The mask is chosen as `qrcode` chooses it (QRCode.best_mask_pattern): each masked
symbol is scored with format and version areas left light, by ISO 18004's four
penalty rules exactly as `qrcode.util.lost_point` counts them, and the first lowest
score wins. The scoring is bit-parallel (a pattern along a row or column is an AND
of shifted copies of the matrix int). tests/cards/test_qr.py checks `penalty`
against `lost_point` on random matrices, and the chosen mask and the whole symbol
against `qrcode`'s on thousands of generated URLs. The work does not depend on
caching URLs. `qrcode`'s internals are used, so its major version is pinned.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from operator import itemgetter

import qrcode
from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_M

QUIET = 4  # modules of quiet zone on every side (ISO 18004 minimum)
_RUN = re.compile(r"1+")


class _Bits:
    """The part of qrcode.util.BitBuffer that QRData.write uses, kept in one int."""

    def __init__(self):
        self.value, self.length = 0, 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def __len__(self) -> int:
        return self.length


def build(url: str) -> tuple[int, tuple[int, ...], int]:
    """Return (size, rows, mask) for the URL at error correction M, the best mask chosen.

    Rows have no quiet zone; in each row, bit (size - 1 - c) is column c.
    """
    n, text, mask = _symbol(url)
    return n, tuple(int(text[i: i + n], 2) for i in range(0, n * n, n)), mask


def qr_runs(url: str) -> tuple[int, list[tuple[int, int, int]]]:
    """Return (size, runs) for drawing: (row, start column, length) of every dark run.

    Rows count from the top, without quiet zone; the same symbol as build(url).
    """
    n, text, _mask = _symbol(url)
    lined = "2".join([text[i: i + n] for i in range(0, n * n, n)])  # no run spans two rows
    return n, [(start // (n + 1), start % (n + 1), end - start)
               for start, end in map(re.Match.span, _RUN.finditer(lined))]


def _symbol(url: str) -> tuple[int, str, int]:
    """(size, the symbol as a row-major string of 0 and 1, mask), the mask as qrcode's."""
    segments = _payload(_segments(url))
    version = _version(segments)
    layout = _layout(version)
    data = layout.place(_codewords(version, segments))
    n = layout.n
    # The whole symbol is one integer (row-major, row 0 first): masking is one XOR.
    # Scored as qrcode scores it: format, version and dark module still light.
    scores = [penalty(layout.scored | (data ^ layout.masks[mask]), n) for mask in range(8)]
    mask = scores.index(min(scores))  # the first lowest, as qrcode keeps it
    matrix = layout.function | (data ^ layout.masks[mask]) | layout.fmt[mask]
    return n, format(matrix, f"0{n * n}b"), mask


@lru_cache(maxsize=256)
def _fits(n: int, width: int, step: int) -> int:
    """Matrix bits of the cells where a window of `width` cells fits in the line.

    step 1 walks along rows, step n down columns (row-major: the next cell of a
    column is n bits lower, the next cell of a row one bit lower).
    """
    if step == 1:
        row = ((1 << (n - width + 1)) - 1) << (width - 1)  # columns 0 .. n - width
        return sum(row << (n * (n - 1 - r)) for r in range(n))
    return sum(((1 << n) - 1) << (n * (n - 1 - r)) for r in range(n - width + 1))


def _line_penalty(m: int, n: int, step: int, same: int) -> int:
    """Rules N1 (runs of 5+ equal modules) and N3 (1:1:3:1:1 beside 4 light) along one axis.

    Bit-parallel: `x << k * step` brings the cell k further along the line to each cell,
    so a pattern is an AND of shifted copies, and `_fits` drops windows that would run
    off the end of a line (or wrap into the next row). `same`: the cells equal to the
    next cell along the axis.
    """
    s1, s2, s3, s4 = step, 2 * step, 3 * step, 4 * step
    light = ~m & _fits(n, 1, step)
    five = same & (same << s1) & (same << s2) & (same << s3)  # a window of 5 equal cells
    # A run of L >= 5 has L - 4 such windows and scores L - 2: add 2 per run start.
    n1 = five.bit_count() + 2 * (five & ~(same >> s1)).bit_count()
    core = (m & (light << s1) & (m << s2) & (m << s3) & (m << s4) & (light << 5 * step)
            & (m << 6 * step))                           # 1011101
    four = light & (light << s1) & (light << s2) & (light << s3)  # 0000
    fits = _fits(n, 11, step)
    # Neither 11-module pattern can overlap itself, so counting every window here
    # scores what counting non-overlapping matches in a string did.
    n3 = ((four & (core << s4) & fits).bit_count()       # 0000 1011101
          + (core & (four << 7 * step) & fits).bit_count())  # 1011101 0000
    return n1 + 40 * n3


def penalty(matrix: int, n: int) -> int:
    """Score an n x n matrix (row-major int) as qrcode.util.lost_point scores its modules.

    ISO 18004's rules: N1 runs of 5+ equal modules, N2 3 points per 2x2 block of one
    colour, N3 1:1:3:1:1 beside 4 light modules, N4 10 points per whole 5 % step of
    the dark share away from 50 %. Lower is better. Bit operations on the whole
    matrix: no per-module loop.
    """
    # matrix << 1 brings each cell's right neighbour to it, matrix << n the one below.
    right = ~(matrix ^ (matrix << 1)) & _fits(n, 2, 1)   # equal to the right, c < n - 1
    below = ~(matrix ^ (matrix << n)) & _fits(n, 2, n)   # equal to the one below, r < n - 1
    score = _line_penalty(matrix, n, 1, right) + _line_penalty(matrix, n, n, below)
    # N2: a cell equal to its right and lower neighbours, whose lower neighbour equals
    # its own right neighbour, is the top-left corner of a one-colour 2x2 block.
    score += 3 * (right & below & (right << n)).bit_count()
    return score + dark_penalty(matrix.bit_count(), n)


def dark_penalty(dark: int, n: int) -> int:
    """Rule N4: 10 points per whole 5 % step of the dark share away from 50 %.

    qrcode computes int(abs(dark / n² * 100 - 50) / 5) in floating point; this integer
    form gives the same for every dark count of every QR size (tested).
    """
    return 10 * (abs(20 * dark - 10 * n * n) // (n * n))


def _segments(url: str) -> list:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(url)
    return code.data_list


def _payload(segments) -> list[tuple[int, int, int, int]]:
    """(mode, character count, data bits, bit length) per segment, written once."""
    out = []
    for segment in segments:
        bits = _Bits()
        segment.write(bits)
        out.append((segment.mode, len(segment), bits.value, bits.length))
    return out


def qr_version(url: str) -> int:
    """Return the QR version (1-40) that the URL gives at error correction M."""
    return _version(_payload(_segments(url)))


def _version(payload) -> int:
    """Smallest version whose capacity holds the segments (qrcode's best_fit, no buffer)."""
    start = 1
    while True:
        sizes = util.mode_sizes_for_version(start)
        needed = sum(4 + sizes[mode] + n for mode, _, _, n in payload)
        version = bisect_left(util.BIT_LIMIT_TABLE[ERROR_CORRECT_M], needed, start)
        if version > 40:
            raise ValueError("URL too long for a QR code")
        if util.mode_sizes_for_version(version) is sizes:
            return version
        start = version


def _codewords(version: int, payload) -> list[int]:
    """Data and error-correction codewords, interleaved, as qrcode.util.create_data makes them."""
    bits = _Bits()
    for mode, count, value, length in payload:
        bits.put(mode, 4)
        bits.put(count, util.length_in_bits(mode, version))
        bits.put(value, length)
    blocks = base.rs_blocks(version, ERROR_CORRECT_M)
    limit = sum(block.data_count for block in blocks)
    # Terminator (up to 4 zero bits) and the pad to a whole byte are zero bits.
    used = -(-(bits.length + min(limit * 8 - bits.length, 4)) // 8)
    stream = (bits.value << (used * 8 - bits.length)).to_bytes(used, "big")
    stream += bytes((util.PAD0, util.PAD1)[i % 2] for i in range(limit - used))
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
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """Products of every byte value with the generator polynomial, each packed in one int."""
    poly = base.Polynomial([1], 0)
    for i in range(ec_count):
        poly = poly * base.Polynomial([1, base.gexp(i)], 0)
    generator = [poly[i] for i in range(1, len(poly))]
    rows = [0]
    for factor in range(1, 256):
        lf = base.glog(factor)
        row = bytes(base.gexp(base.glog(g) + lf) if g else 0 for g in generator)
        rows.append(int.from_bytes(row, "big"))
    return tuple(rows)


def _rs_remainder(data: bytes, ec_count: int) -> bytes:
    """Reed-Solomon remainder as an LFSR on one int: shift a byte out, XOR a table row in."""
    table = _rs_table(ec_count)
    top, keep = 8 * (ec_count - 1), (1 << (8 * ec_count)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & keep) ^ table[byte ^ (rem >> top)]
    return rem.to_bytes(ec_count, "big")


def _row_bits(row) -> int:
    """One row of qrcode modules as an int, column 0 in the top bit (tests compare with it)."""
    bits = 0
    for dark in row:
        bits = (bits << 1) | bool(dark)
    return bits


def _matrix_bits(cells) -> int:
    """Pack an n x n grid of truthy/falsy cells into one int, row 0 first (row-major)."""
    return int("".join("1" if cell else "0" for row in cells for cell in row) or "0", 2)


class _Layout:
    """What a version fixes: function patterns, data-module order, masks and format bits.

    Each is one row-major int over the whole symbol, so a mask is applied with one XOR.
    """

    def __init__(self, version: int):
        probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M)
        n = self.n = probe.modules_count = version * 4 + 17
        probe.modules = [[None] * n for _ in range(n)]
        for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
            probe.setup_position_probe_pattern(row, col)
        probe.setup_position_adjust_pattern()
        probe.setup_timing_pattern()
        # What qrcode scores a mask on: the function patterns with the version
        # information still light (its "test" layout); format bits come later.
        self.scored = _matrix_bits(probe.modules)
        if version >= 7:
            probe.setup_type_number(False)
        self.function = _matrix_bits(probe.modules)
        fixed = [[m is not None for m in row] for row in probe.modules]
        self.masks, self.fmt = [], []
        for mask in range(8):
            probe.setup_type_info(False, mask)
            taken = [[m is not None for m in row] for row in probe.modules]
            self.fmt.append(_matrix_bits([m and not f for m, f in zip(row, fr, strict=True)]
                                         for row, fr in zip(probe.modules, fixed, strict=True)))
            func = util.mask_func(mask)
            self.masks.append(_matrix_bits([not taken[r][c] and func(r, c) for c in range(n)]
                                           for r in range(n)))
        self.gather = self._gather(self._order(taken))

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

    def _gather(self, order):
        """An itemgetter from the data bit string to the symbol's cells, row-major.

        Cells that hold no data bit read index `len(order)`, where place() appends "0".
        """
        index = [len(order)] * (self.n * self.n)
        for i, (r, c) in enumerate(order):
            index[r * self.n + c] = i
        return itemgetter(*index)

    def place(self, codewords: list[int]) -> int:
        """Return the unmasked data modules as one matrix int: codeword bits along the order.

        Remainder modules after the last codeword stay light, as in qrcode's map_data.
        """
        total = len(codewords) * 8
        bits = format(int.from_bytes(bytes(codewords), "big"), f"0{total}b")
        padded = bits + "0" * (self.n * self.n - total + 1)
        return int("".join(self.gather(padded)), 2)


@lru_cache(maxsize=41)
def _layout(version: int) -> _Layout:
    return _Layout(version)
