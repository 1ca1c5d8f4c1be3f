"""The dashboard's CSV: one line per answer, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from .answers import ExportRow

HEADER = ("answered_at_utc", "order", "packer", "station", "site", "language", "rating",
          "comment", "comment_hidden", "follow_up", "note")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection,
# OWASP); tab and carriage return start one too in some of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Return a cell's text that no spreadsheet runs as a formula (a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    """Yield the CSV text a line at a time, header first (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield flush()
    for row in rows:
        writer.writerow([neutralise(cell) for cell in (
            row.answered_at.isoformat(timespec="seconds"), row.order, row.packer, row.station,
            row.site, row.language, row.rating, row.comment, "yes" if row.hidden else "no",
            row.follow_up, row.note)])
        yield flush()
