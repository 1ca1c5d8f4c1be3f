"""A small PDF writer for the card: pages of drawing operations, TrueType subsets, images.

Why our own: reportlab's canvas and `pdfdoc` spent over half of each card formatting
generic PDF objects (every dict through the same recursive formatter, every number
through `fp_str`, every string through a codec). The card needs only a few kinds of
object, so they are written here as byte templates. reportlab is still used for what
it is good at: TrueType metrics, subsetting (`TTFont.face.makeSubset`) and ToUnicode
CMaps (`makeToUnicodeCMap`); those are its internals, so its major version is pinned
in setup.cfg.

This module is the only place that writes PDF syntax. Draw functions get a `Page` and
call its methods (text runs, lines, runs of grid cells, images, colour, saved state,
checkpoint and rollback); the operators and the page's buffer stay inside. Every font
subset gets its own six-letter tag (derived from the font and the glyphs it holds), and
the trailer carries an /ID derived from the file's bytes, so the same card always gives
the same file.
tests/cards/test_pdf.py checks every profile with `qpdf --check`.

All pages of a document share ONE resources dictionary (every font subset and image
of the document), so a page in a wave costs two small objects: the page and its
content stream.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

# Bytes that must be escaped inside a PDF literal string; a bare CR would be read
# back as a line end, so it is escaped too.
_ESCAPE = {0x28: "\\(", 0x29: "\\)", 0x5C: "\\\\", 0x0D: "\\r", 0x0A: "\\n"}
_FIXED = 1, 2, 3, 4  # object numbers: catalog, page tree, shared resources, info


def num(value: float) -> str:
    """A number for the content stream: 3 decimals (1/1000 pt), no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rgb(rgb: tuple[float, float, float]) -> str:
    return f"{num(rgb[0])} {num(rgb[1])} {num(rgb[2])}"


@lru_cache(maxsize=4096)
def _width(face, cp: int) -> str:
    """A glyph's advance width for /Widths (font metrics: the same for every document)."""
    return num(face.getCharWidth(cp))


def _literal(code: int) -> str:
    return _ESCAPE.get(code, chr(code))


def _stream(entries: str, data: bytes) -> bytes:
    return b"<<%s /Length %d>>\nstream\n%s\nendstream" % (entries.encode(), len(data), data)


@dataclass(frozen=True)
class Image:
    """An image already compressed for PDF: colour samples, optional soft mask, or a stencil.

    `key` identifies the image in a document (embedded once however often it is drawn);
    `data` and `smask` are Flate-compressed samples; a stencil is a 1-bit mask that
    paints in black.
    """

    key: str
    width: int
    height: int
    colour_space: str
    data: bytes
    smask: bytes | None = None
    stencil: bool = False


class _FontState:
    """One TrueType face's codes in one document: 8-bit subsets, in reportlab's scheme.

    Code 0 is .notdef and code 32 is the space in every subset, so word spacing works;
    other characters get the next free code in order of first use.
    """

    def __init__(self, name: str, index: int):
        self.font = pdfmetrics.getFont(name)
        self.index = index
        self.subsets: list[list[int]] = [[0] + [32] * 32]
        self.next = 1
        self.known = {" ": (0, " ")}  # char -> (subset, literal)
        self.plain = {32: " "}        # str.translate table for subset-0 characters
        self.plain_chars = {" "}

    def encode(self, text: str) -> list[tuple[int, str]]:
        """Return (subset, literal string) runs for text; assigns codes to new characters."""
        if not self.plain_chars.issuperset(text):
            for ch in dict.fromkeys(text):  # new characters, in order of first use
                if ch not in self.known:
                    self._assign(ch)
        if self.plain_chars.issuperset(text):  # C-speed path: every char in subset 0
            return [(0, text.translate(self.plain))]
        out: list[tuple[int, str]] = []
        for ch in text:
            subset, literal = self.known.get(ch) or self._assign(ch)
            if out and out[-1][0] == subset:
                out[-1] = (subset, out[-1][1] + literal)
            else:
                out.append((subset, literal))
        return out

    def _assign(self, ch: str) -> tuple[int, str]:
        cp = 32 if ch == "\xa0" else ord(ch)
        if cp == 32 or cp not in self.font.face.charToGlyph:
            found = (0, " ") if cp == 32 else (0, _literal(0))  # no glyph: .notdef, never a crash
        else:
            n = self.next
            if n & 0xFF == 0:                      # a new subset starts with .notdef
                self.subsets.append([0])
                n += 1
            if n & 0xFF == 32:                     # ... and keeps the space at code 32
                if n != 32:
                    self.subsets[n >> 8].append(32)
                n += 1
            if n < 32:
                self.subsets[0][n] = cp
            else:
                self.subsets[n >> 8].append(cp)
            self.next = n + 1
            found = (n >> 8, _literal(n & 0xFF))
        self.known[ch] = found
        if found[0] == 0:
            self.plain[ord(ch)] = found[1]
            self.plain_chars.add(ch)
        return found

    def name(self, subset: int) -> str:
        """The resource name of one subset, e.g. F0.1 (font 0, second subset)."""
        return f"F{self.index}.{subset}"


class Page:
    """One page being drawn: the few drawing operations the card's elements need.

    Coordinates are PDF points from the bottom-left corner of the page. The page keeps
    its operators to itself; `Document.add` writes them when the page is finished.
    """

    def __init__(self, doc: Document, width: float, height: float):
        self.doc, self.width, self.height = doc, width, height
        self._ops: list[str] = []
        self._depth = 0  # graphics states saved and not yet restored

    @contextmanager
    def saved(self):
        """Draw inside a saved graphics state: colour changes made within stay within."""
        self._ops.append("q")
        self._depth += 1
        try:
            yield self
        finally:
            self._ops.append("Q")
            self._depth -= 1

    def checkpoint(self) -> tuple[int, int]:
        """Mark what is drawn so far; `rollback(mark)` drops everything drawn after it."""
        return len(self._ops), self._depth

    def rollback(self, mark: tuple[int, int]) -> None:
        """Drop what was drawn since the checkpoint, saved states included.

        So a failing element leaves its slot empty and the page's state balanced. Fonts
        and images it brought into the document stay there, unused (harmless).
        """
        del self._ops[mark[0]:]
        self._depth = mark[1]

    def fill_colour(self, rgb: tuple[float, float, float]) -> None:
        """Set the colour the text drawn after this paints in (RGB, 0..1)."""
        self._ops.append(f"{_rgb(rgb)} rg")

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float, rgb) -> None:
        """Stroke a straight line; its colour and width do not outlast the call."""
        self._ops.append(f"q {_rgb(rgb)} RG {num(width)} w "
                         f"{num(x1)} {num(y1)} m {num(x2)} {num(y2)} l S Q")

    def text(self, x: float, y: float, parts, size: float, char_space: float = 0.0,
             slant: float = 0.0) -> None:
        """Draw (text, font name) runs from baseline point (x, y) in the fill colour.

        The runs follow each other by their glyph widths, as the font's /Widths say;
        a character spacing is kept inside a saved state so it cannot leak into later text.
        A character the font has no glyph for is drawn as its .notdef (never a crash);
        callers check coverage first (fonts.runs). `slant`:
        an italic made by shearing the face (x moves by slant x y), as an oblique is drawn.
        """
        ops = [f"q BT {num(char_space)} Tc" if char_space else "BT",
               f"1 0 {num(slant)} 1 {num(x)} {num(y)} Tm" if slant else f"{num(x)} {num(y)} Td"]
        for text, font in parts:
            state = self.doc.font(font)
            for subset, literal in state.encode(text):
                ops.append(f"/{state.name(subset)} {num(size)} Tf ({literal}) Tj")
        ops.append("ET Q" if char_space else "ET")
        self._ops.append(" ".join(ops))

    def fill_runs(self, x: float, top: float, cell: float, runs) -> None:
        """Fill runs of grid cells in black: (row, column, length) in whole cells.

        The grid's top-left corner is at (x, top) pt, a cell is `cell` pt square, and
        rows count downwards, as a matrix is read. All runs are one path with one fill,
        so neighbouring cells show no seams, and the stream stays short ("7 3 5 1 re").
        """
        body = "\n".join([f"{column} {row} {length} 1 re" for row, column, length in runs])
        # A y axis pointing down (d = -cell) lets each run be written as it is read.
        self._ops.append(f"q 0 g {cell:.4f} 0 0 -{cell:.4f} {x:.3f} {top:.3f} cm\n{body}\nf Q")

    def image(self, image: Image, x: float, y: float, w: float, h: float) -> None:
        """Draw the image into the rectangle; embedded once per document however often drawn."""
        name = self.doc.image(image)
        black = "0 g " if image.stencil else ""  # a stencil paints in the fill colour
        # 1/1000 pt: a thermal image placed on whole printer dots stays on them.
        self._ops.append(f"q {black}{num(w)} 0 0 {num(h)} {num(x)} {num(y)} cm /{name} Do Q")

    def _content(self) -> bytes:
        """The page's compressed content stream, every saved state restored."""
        return zlib.compress("\n".join(self._ops + ["Q"] * self._depth).encode("latin-1"))


class Document:
    """A PDF being built: pages in order, fonts subset and images embedded once."""

    def __init__(self, title: str):
        self.title = title
        self.objects: dict[int, bytes] = {}
        self.pages: list[int] = []
        self.fonts: dict[str, _FontState] = {}
        self.images: dict[str, str] = {}   # Image.key -> XObject name
        self.tags: set[bytes] = set()      # font subset tags given out in this document
        self.next_id = len(_FIXED) + 1

    def _new(self, body: bytes | None = None) -> int:
        oid, self.next_id = self.next_id, self.next_id + 1
        if body is not None:
            self.objects[oid] = body
        return oid

    def font(self, name: str) -> _FontState:
        """The document's code assignments for a registered TrueType font."""
        state = self.fonts.get(name)
        if state is None:
            state = self.fonts[name] = _FontState(name, len(self.fonts))
        return state

    def image(self, image: Image) -> str:
        """Embed the image (and its soft mask) on first use; return its XObject name."""
        name = self.images.get(image.key)
        if name:
            return name
        head = f"/Type /XObject /Subtype /Image /Width {image.width} /Height {image.height}"
        if image.stencil:
            entries = f"{head} /ImageMask true /BitsPerComponent 1"
        else:
            entries = f"{head} /ColorSpace /{image.colour_space} /BitsPerComponent 8"
            if image.smask:
                mask = self._new(_stream(f"{head} /ColorSpace /DeviceGray /BitsPerComponent 8"
                                         " /Filter /FlateDecode", image.smask))
                entries += f" /SMask {mask} 0 R"
        oid = self._new(_stream(entries + " /Filter /FlateDecode", image.data))
        name = self.images[image.key] = f"Im{oid}"
        return name

    def add(self, page: Page) -> None:
        """Write the finished page: its content stream and its page object."""
        contents = self._new(_stream(" /Filter /FlateDecode", page._content()))
        self.pages.append(self._new(
            b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources 3 0 R "
            b"/Contents %d 0 R>>" % (num(page.width).encode(), num(page.height).encode(),
                                     contents)))

    def _font_objects(self, state: _FontState) -> list[str]:
        """Embed each subset of the font; return '/F0.0 n 0 R' entries for the resources."""
        face, refs = state.font.face, []
        for n, subset in enumerate(state.subsets):
            name = face.name + face.subfontNameX
            base = (self._tag(name, subset) + b"+" + name).decode("latin-1")
            program = face.makeSubset(subset)
            file = self._new(_stream(f" /Filter /FlateDecode /Length1 {len(program)}",
                                     zlib.compress(program)))
            cmap = makeToUnicodeCMap(base, subset).encode("latin-1")
            to_unicode = self._new(_stream(" /Filter /FlateDecode", zlib.compress(cmap)))
            flags = (face.flags & ~32) | 4  # symbolic: our own 8-bit encoding
            descriptor = self._new((
                f"<</Type /FontDescriptor /FontName /{base} /Flags {flags} "
                f"/FontBBox [{' '.join(num(v) for v in face.bbox)}] "
                f"/ItalicAngle {num(face.italicAngle)} /Ascent {num(face.ascent)} "
                f"/Descent {num(face.descent)} /CapHeight {num(face.capHeight)} "
                f"/StemV {face.stemV} /MissingWidth {num(face.defaultWidth)} "
                f"/FontFile2 {file} 0 R>>").encode())
            widths = " ".join(map(_width, [face] * len(subset), subset))
            font = self._new((
                f"<</Type /Font /Subtype /TrueType /BaseFont /{base} /FirstChar 0 "
                f"/LastChar {len(subset) - 1} /Widths [{widths}] "
                f"/FontDescriptor {descriptor} 0 R /ToUnicode {to_unicode} 0 R>>").encode())
            refs.append(f"/{state.name(n)} {font} 0 R")
        return refs

    def _tag(self, name: bytes, subset: list[int]) -> bytes:
        """Six capital letters naming one subset, different for each subset in the document.

        Derived from the font and the characters it holds (ISO 32000 asks only that
        tags differ between subsets), so a file is the same bytes each time it is made.
        """
        seed = name + b"\0" + array("I", subset).tobytes()
        while True:
            value = int.from_bytes(hashlib.blake2b(seed, digest_size=8).digest(), "big")
            tag = bytes(65 + value // 26 ** i % 26 for i in range(6))
            if tag not in self.tags:
                self.tags.add(tag)
                return tag
            seed += b"+"  # two subsets hashed alike (or the same glyphs twice): next tag

    def finish(self) -> bytes:
        """Embed the font subsets and return the whole file."""
        fonts = [ref for state in self.fonts.values() for ref in self._font_objects(state)]
        xobjects = " ".join(f"/{name} {name[2:]} 0 R" for name in self.images.values())
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self.objects.update({
            1: b"<</Type /Catalog /Pages 2 0 R>>",
            2: f"<</Type /Pages /Count {len(self.pages)} /Kids [{kids}]>>".encode(),
            3: f"<</Font <<{' '.join(fonts)}>> /XObject <<{xobjects}>>>>".encode(),
            4: b"<</Title (%s) /Creator (Greetings) /Producer (Greetings)>>"
               % "".join(map(_literal, self.title.encode("latin-1"))).encode("latin-1"),
        })
        return _serialise(self.objects)


def _serialise(objects: dict[int, bytes]) -> bytes:
    """Header, numbered objects, cross-reference table and trailer."""
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offsets, at = [], len(out[0])
    # The file identifier: the same two halves (a file that was never edited), taken
    # from the bytes of every object, so the same card gives the same file. An
    # identifier, not a security measure: SHA-1 is the fastest digest hashlib has here
    # (13 us for an A6 card; blake2b 32 us), and 128 bits of it are plenty.
    digest = hashlib.sha1(usedforsecurity=False)
    for oid in range(1, len(objects) + 1):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (oid, objects[oid])
        offsets.append(at)
        at += len(chunk)
        out.append(chunk)
        digest.update(chunk)
    ident = digest.hexdigest()[:32].encode()
    xref = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n%s" % (len(objects) + 1, xref))
    out.append(b"trailer\n<</Size %d /Root 1 0 R /Info 4 0 R /ID [<%s> <%s>]>>\n"
               b"startxref\n%d\n%%%%EOF\n" % (len(objects) + 1, ident, ident, at))
    return b"".join(out)
