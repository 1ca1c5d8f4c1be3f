"""The greeting text of each language: shipped defaults, a manager's own, and their rendering.

A greeting text is a Jinja template a manager edits (console or `greeting set`). It runs
in the bounded sandbox of `sandbox.py`, and before it is stored it must render, within
those bounds, for every order of SAMPLE_ORDERS (names of every length and script, no
name, many items, long order numbers): a template that fails only for some customers
(`{% if first_name != "Åse" %}…`) is refused at the desk, not found on a card. Should a
stored template still fail on a real order, that card carries the default text and the
log says so: a card always prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError
from sqlalchemy import delete, select

from ..errors import ProblemError
from ..extensions import db
from ..models import GreetingText, utcnow
from ..text import LANGUAGES, clean_paragraphs
from . import sandbox

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "cards"
# What a template may use, in the order the console lists them.
VARIABLES = ("first_name", "packer", "brand", "order_number", "item_count")


class UnknownLanguage(ProblemError):
    status = 404
    title = "No greeting text for this language"


class GreetingRefused(ProblemError):
    """The template cannot be stored; `problems` says why (the first failures found)."""

    status = 422
    title = "Greeting template refused"

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.describe() for problem in problems),
                         errors=[problem.as_dict() for problem in problems])
        self.problems = problems


@dataclass(frozen=True)
class SampleOrder:
    """An order a greeting must render for before it is stored."""

    first_name: str
    packer: str
    brand: str
    order_number: str
    item_count: int

    def values(self) -> dict:
        """Return the template's variables for this order."""
        return {"first_name": self.first_name, "packer": self.packer, "brand": self.brand,
                "order_number": self.order_number, "item_count": self.item_count}

    def describe(self) -> str:
        """Say which order this is, in English (the CLI's message)."""
        return (f"first name {_short(self.first_name) or 'none'}, {self.item_count} items, "
                f"order {_short(self.order_number)}")


@dataclass(frozen=True)
class Problem:
    """One reason a template is refused: a code, a message, where, and for which order."""

    reason: str
    message: str
    line: int | None = None
    sample: SampleOrder | None = None
    params: dict = field(default_factory=dict)

    def describe(self) -> str:
        """Return the problem as one English sentence (the CLI prints it)."""
        where = f"line {self.line}: " if self.line else ""
        order = f" (with {self.sample.describe()})" if self.sample else ""
        return f"{where}{self.message}{order}"

    def as_dict(self) -> dict:
        """Return the problem for a problem+json `errors` list."""
        return {"reason": self.reason, "message": self.describe(), "line": self.line}


def _short(text: str, length: int = 24) -> str:
    """Quote a sample's value, cut to a readable length."""
    return repr(text if len(text) <= length else text[:length] + "…") if text else ""


# Each list is cycled through, so that SAMPLE_ORDERS meets every value at least once.
_NAMES = ("Søren", "", "Jo", "Å", "Maximiliane-Charlotte Østergaard-Vandenberghe",
          "Ŝ" * 200, "محمد", "שרה", "さくら", "李小龙", "Nguyễn Thị Minh Khai", "Łukasz",
          "Zoë O'Brien", "🎉", "{{ first_name }}", "<b>Åse</b>", "Ana María", "İlkay", "ß",
          " ", "123", "Dvořák\u200dJiří")
_PACKERS = ("Åse", "Bo", "Anne-Kathrine Schmidt-Vandenberghe Østergaard Lauritzen",
            "محمد", "さくら", "A")
_BRANDS = ("Nordlys Kaffe", "B", "Café & Co. <Ltd>", "Die Kaffeerösterei " * 4)
_ORDERS = ("1042", "#1043", "ERP-2026-000123", "9" * 128, "A")
_COUNTS = (1, 0, 2, 3, 12, 99, 1000, 100_000, 1_000_000_000)

SAMPLE_ORDERS = tuple(
    SampleOrder(_NAMES[i % len(_NAMES)], _PACKERS[i % len(_PACKERS)],
                _BRANDS[i % len(_BRANDS)], _ORDERS[i % len(_ORDERS)],
                _COUNTS[i % len(_COUNTS)])
    for i in range(max(map(len, (_NAMES, _PACKERS, _BRANDS, _ORDERS, _COUNTS)))))


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise UnknownLanguage(f"the languages are {', '.join(LANGUAGES)}")
    return language


@lru_cache(maxsize=16)
def default_template(language: str) -> str:
    """Return the shipped greeting template of a language (files don't change at run time)."""
    return (TEMPLATES / f"{_language(language)}.txt.j2").read_text(encoding="utf-8")


def stored_template(language: str) -> GreetingText | None:
    """Return the manager's own greeting of a language, if there is one."""
    return db.session.execute(
        select(GreetingText).where(GreetingText.language == _language(language))
    ).scalar_one_or_none()


def greeting_template(language: str) -> str:
    """Return the manager's template for the language, else the shipped default."""
    stored = db.session.execute(
        select(GreetingText.template).where(GreetingText.language == _language(language))
    ).scalar_one_or_none()
    return stored if stored is not None else default_template(language)


@lru_cache(maxsize=64)
def _compiled(source: str):
    """Compile a template once per text: keyed by the text itself, so never stale."""
    return sandbox.compile_template(source)


def render_greeting(source: str, values: dict) -> str:
    """Render a greeting template within the sandbox's bounds.

    Raises TemplateError for a template that is broken or too costly, and whatever else
    the template provokes (a ZeroDivisionError…): callers decide what that becomes.
    """
    return sandbox.render(_compiled(source), values).strip()


def problems_of(source: str, samples=SAMPLE_ORDERS) -> list[Problem]:
    """Return why a template cannot be stored (empty: it can).

    Stops at the first order it fails for: one failing order is reason enough, and a
    costly template is not run again and again.
    """
    try:
        tree = sandbox.parse(source)
        unknown = sorted(meta.find_undeclared_variables(tree) - set(VARIABLES) - {"range"})
        if unknown:
            return [Problem("unknown-variable", f"unknown variable {unknown[0]}; the "
                            f"variables are {', '.join(VARIABLES)}",
                            params={"name": unknown[0]})]
        _compiled(source)
    except TemplateSyntaxError as error:
        return [Problem(getattr(error, "reason", "syntax"), error.message or "syntax error",
                        line=error.lineno)]
    except (TemplateError, RecursionError, MemoryError) as error:
        return [Problem("syntax", f"the template cannot be read ({type(error).__name__})")]
    texts = []
    for sample in samples:
        try:
            texts.append(render_greeting(source, sample.values()))
        except Exception as error:  # noqa: BLE001 (any failure refuses the template)
            return [_render_problem(error, sample)]
    if not any(text.strip() for text in texts):
        return [Problem("empty", "the template renders no text")]
    return []


def _render_problem(error: Exception, sample: SampleOrder) -> Problem:
    reason = getattr(error, "reason", None)
    if reason is not None:
        return Problem(reason, str(error), sample=sample)
    if isinstance(error, SecurityError):
        return Problem("forbidden", error.message or "not available", sample=sample)
    if isinstance(error, TemplateError):
        return Problem("error", error.message or type(error).__name__,
                       line=getattr(error, "lineno", None), sample=sample)
    # A Python error's message may quote the order's values; its type says enough.
    return Problem("error", f"the template fails with {type(error).__name__}", sample=sample)


def check_greeting(source: str) -> None:
    """Raise GreetingRefused unless the template renders within bounds for every sample."""
    problems = problems_of(source)
    if problems:
        raise GreetingRefused(problems)


def save_greeting(language: str, source: str) -> GreetingText:
    """Check and store a manager's greeting template for a language; the caller commits."""
    source = clean_paragraphs(source)
    check_greeting(source)
    stored = stored_template(language)
    if stored is None:
        stored = GreetingText(language=language, template=source)
        db.session.add(stored)
    else:
        stored.template, stored.updated_at = source, utcnow()
    return stored


def reset_greeting(language: str) -> bool:
    """Go back to the shipped default text; tell whether there was an own text."""
    result = db.session.execute(
        delete(GreetingText).where(GreetingText.language == _language(language)))
    return bool(result.rowcount)


def greeting_for_card(language: str, values: dict) -> str:
    """Return the greeting a card carries: the stored template, else the default.

    A stored template that fails on this order (broken, or past a bound) gives the
    default text and a log line naming the language and the reason, never the values.
    """
    source = greeting_template(language)
    try:
        return render_greeting(source, values)
    except Exception as error:  # noqa: BLE001 (a card always prints)
        log.warning("greeting template for %s failed (%s: %s); default text used", language,
                    type(error).__name__, getattr(error, "reason", "error"))
    try:
        return render_greeting(default_template(language), values)
    except Exception as error:  # noqa: BLE001
        log.error("default greeting for %s failed (%s); card printed without it", language,
                  type(error).__name__)
        return ""
