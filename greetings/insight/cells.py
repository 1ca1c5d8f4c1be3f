"""The dashboard's repeated cells, built in Python: a year's page has ~110 table rows,
each with four formatted numbers and a small SVG of its rating distribution.

Written out by Jinja, each row was a macro, a nested macro, a loop of `round` filters and
five Flask-Babel filter calls that look the request's locale up again (about 330 numbers
and 1,100 template calls per page: most of the page's 56 ms of rendering, docs/
benchmarks.md). Here the locale's number patterns are resolved once per page and applied
with Babel itself (the same `NumberPattern.apply` Flask-Babel's filters end in), and a
row's cells are one string. The HTML is the templates' own (but for four blank lines
between the tables that the macros' definitions left).
"""

from __future__ import annotations

from datetime import date

from babel.dates import get_date_format
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import parse_pattern
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .charts import distribution_bar
from .queries import Numbers

DASH = "–"  # what a rate or an average without any parcel or answer shows


class Cells:
    """The number formats of the request's locale, resolved once, and the cells every
    table row of the dashboard repeats."""

    def __init__(self):
        self.locale = get_locale()
        self._number = self.locale.decimal_formats[None]  # as the numberformat filter
        self._percent = self.locale.percent_formats[None]  # as percentformat
        self._average = parse_pattern("0.0")  # as decimalformat("0.0")
        self._date = parse_date_pattern(get_date_format("medium", self.locale))  # dateformat

    def number(self, value: int) -> str:
        """Format a count as the numberformat filter does."""
        return self._number.apply(value, self.locale)

    def percent(self, value: float | None) -> str:
        """Format a share (0..1) as the percentformat filter does; a dash for none."""
        return DASH if value is None else self._percent.apply(value, self.locale)

    def average(self, value: float | None) -> str:
        """Format an average rating with one decimal; a dash for none."""
        return DASH if value is None else self._average.apply(value, self.locale)

    def distribution(self, numbers: Numbers) -> Markup:
        """The stacked bar of a rating distribution (1★ to 5★) as inline SVG."""
        a, b, c, d, e = numbers.distribution
        label = _("1 star: %(a)s, 2: %(b)s, 3: %(c)s, 4: %(d)s, 5: %(e)s",
                  a=a, b=b, c=c, d=d, e=e)
        # Jinja's round filter is Python's round(); its text is str() of the result.
        # Markup.format escapes every value it fills in (the translation too: none of
        # them holds a character that escaping changes).
        rect = Markup('<rect x="{}" y="0" width="{}" height="14" class="r{}"/>')
        rects = Markup("").join(rect.format(round(seg.x, 2), round(seg.width, 2), seg.label)
                                for seg in distribution_bar(numbers))
        return Markup('\n<svg viewBox="0 0 160 14" width="160" height="14" role="img" '
                      'class="dist" aria-label="{}">{}\n</svg>\n').format(label, rects)

    def numbers(self, numbers: Numbers) -> Markup:
        """A row's cells: packed, answered, response rate, average and distribution."""
        return _NUMBERS.format(
            self.number(numbers.packed), self.number(numbers.answered),
            self.percent(numbers.response_rate), self.average(numbers.average),
            self.distribution(numbers))

    def week(self, monday: date, numbers: Numbers) -> Markup:
        """A row of the week-by-week table: the week and its numbers."""
        label = _("W%(num)s", num=f"{monday.isocalendar()[1]:02d}")
        return _WEEK.format(
            label, self._date.apply(monday, self.locale), self.number(numbers.packed),
            self.number(numbers.answered), self.percent(numbers.response_rate),
            self.average(numbers.average))


_NUMBERS = Markup('\n<td class="num">{}</td>\n<td class="num">{}</td>\n<td class="num">{}</td>'
                  '\n<td class="num">{}</td>\n<td>{}</td>\n')
_WEEK = Markup('\n<td>{} · {}</td>\n<td class="num">{}</td><td class="num">{}</td>'
               '\n<td class="num">{}</td><td class="num">{}</td>\n')
