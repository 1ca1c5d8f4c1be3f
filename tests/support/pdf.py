"""Reading PDFs as a reader and a phone do: text via pypdfium2, QR codes via zxing-cpp."""

from tests.conftest import require


def pdf_pages(pdf: bytes):
    """Open PDF bytes with pypdfium2 and return the document."""
    return require("pypdfium2").PdfDocument(pdf)


def page_text(pdf: bytes, index: int = 0) -> str:
    """Return the text a reader extracts from a page."""
    return pdf_pages(pdf)[index].get_textpage().get_text_range()


def raster(pdf: bytes, dpi: float, index: int = 0, grayscale: bool = False):
    """Rasterise one page at dpi, as a printer or phone camera would see it (PIL image)."""
    return pdf_pages(pdf)[index].render(scale=dpi / 72, grayscale=grayscale).to_pil()


def decode_qr(image) -> list[str]:
    """Return the texts of the QR codes zxing-cpp finds in the image."""
    return [result.text for result in require("zxingcpp").read_barcodes(image)]


def flat(text: str) -> str:
    """Drop all whitespace, so words wrapped over lines still compare equal."""
    return "".join(text.split())


def qpdf_check(pdf: bytes, tmp_path) -> str:
    """Run `qpdf --check` on the PDF; return its report, failing on any error or warning.

    Skips without qpdf (Debian's `qpdf`), except in CI where a missing qpdf fails.
    """
    import shutil
    import subprocess

    from tests.conftest import need

    need(shutil.which("qpdf") is not None, "qpdf is not installed (apt-get install qpdf)")
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                          timeout=60)
    report = done.stdout + done.stderr
    # qpdf exits 0 when clean, 3 with warnings, 2 with errors: only a clean file passes.
    assert done.returncode == 0 and "WARNING" not in report, report
    assert "No syntax or stream encoding errors found" in report, report
    return report
