"""The weekly recognition digest: per packer, the week's parcels, answers, average, the
best comments and the manager's "best of". A page to print, a PDF for the notice board,
and an e-mail to the managers when GREETINGS_SMTP_URL is set.

Display names only: the digest hangs on a wall and travels by e-mail.
"""

from __future__ import annotations

import io
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Feedback, Role, User, utcnow
from . import answers, queries, rollup
from .service import insight_zone, week_period

log = logging.getLogger(__name__)
COMMENTS_PER_PACKER = 3
GOOD_RATING = 4


@dataclass
class PackerWeek:
    """One packer's part of the digest."""

    display_name: str
    numbers: queries.Numbers
    comments: list[Feedback] = field(default_factory=list)
    best: list[Feedback] = field(default_factory=list)


@dataclass
class WeekDigest:
    """The digest of one week (Monday to Sunday in the zone)."""

    monday: date
    zone: str
    packers: list[PackerWeek]

    @property
    def sunday(self) -> date:
        """Return the week's last day."""
        return self.monday + timedelta(days=6)


def build(monday: date, zone: str) -> WeekDigest:
    """Return the digest of the week that starts on `monday` (in the zone)."""
    scope = week_period(monday).scope(zone)
    comments = answers.best_comments_by_packer(scope, COMMENTS_PER_PACKER, GOOD_RATING)
    best = answers.pins_by_packer(scope.start, scope.end, COMMENTS_PER_PACKER)
    packers = []
    for packer, numbers in queries.per_packer(scope):
        pinned = best.get(packer.id, [])
        others = [item for item in comments.get(packer.id, []) if item not in pinned]
        packers.append(PackerWeek(packer.display_name, numbers, others, pinned))
    return WeekDigest(monday, zone, packers)


def _number_lines(numbers: queries.Numbers) -> list[str]:
    average = format_decimal(numbers.average, "0.0") if numbers.average is not None else "–"
    rate = format_percent(numbers.response_rate or 0)
    return [_("Parcels packed: %(num)s", num=numbers.packed),
            _("Customers who answered: %(num)s (%(rate)s)", num=numbers.answered, rate=rate),
            _("Average rating: %(avg)s", avg=average)]


def render_pdf(week: WeekDigest) -> bytes:
    """Return the digest as a PDF, one A4 page per packer (reportlab's platypus)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    font_path = str(Path(current_app.root_path).parent / "fonts" / "DejaVuSans.ttf")
    if "DigestSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DigestSans", font_path))
    title = ParagraphStyle("title", fontName="DigestSans", fontSize=28, leading=34,
                           spaceAfter=6 * mm)
    body = ParagraphStyle("body", fontName="DigestSans", fontSize=14, leading=20,
                          spaceAfter=3 * mm)
    quote = ParagraphStyle("quote", parent=body, leftIndent=8 * mm, fontSize=13)
    heading = ParagraphStyle("heading", parent=body, fontSize=17, spaceBefore=5 * mm)
    period = _("Week of %(first)s – %(last)s", first=format_date(week.monday, "long"),
               last=format_date(week.sunday, "long"))
    story = []
    for index, packer in enumerate(week.packers):
        if index:
            story.append(PageBreak())
        story += [Paragraph(escape(_("Thank you, %(name)s!", name=packer.display_name)), title),
                  Paragraph(escape(period), body)]
        story += [Paragraph(escape(line), body) for line in _number_lines(packer.numbers)]
        for label, items in ((_("Best of, chosen by your manager"), packer.best),
                             (_("What customers said"), packer.comments)):
            if items:
                story.append(Paragraph(escape(label), heading))
                story += [Paragraph(escape(f"{'★' * item.rating} “{item.comment}”"), quote)
                          for item in items]
    if not story:
        story.append(Paragraph(escape(_("Nobody packed a parcel in this week.")), body))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=period, author="Greetings",
                      leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=20 * mm, invariant=True).build(story)
    return buffer.getvalue()


def recipients() -> list[str]:
    """Return who gets the digest: DIGEST_RECIPIENTS, else every active manager."""
    configured = current_app.config.get("DIGEST_RECIPIENTS") or []
    if isinstance(configured, str):
        configured = configured.split(",")
    configured = [address.strip() for address in configured if address.strip()]
    if configured:
        return configured
    return list(db.session.execute(
        select(User.email).where(User.active.is_(True), User.role == Role.MANAGER)
        .order_by(User.email)).scalars())


def _smtp(url: str) -> smtplib.SMTP:
    """Open the SMTP connection `smtp://[user:password@]host[:port][?starttls=1]` (or smtps://)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("GREETINGS_SMTP_URL must look like smtp://host:port")
    timeout = float(current_app.config["SMTP_TIMEOUT_SECONDS"])
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=timeout)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=timeout)
        if parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls()
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def compose(week: WeekDigest, to: list[str]) -> EmailMessage:
    """Return the digest e-mail: a plain-text summary and the PDF attached."""
    message = EmailMessage()
    message["Subject"] = _("Recognition digest, week %(week)s",
                           week=f"{week.monday.isocalendar().year}-W"
                                f"{week.monday.isocalendar().week:02d}")
    message["From"] = current_app.config["DIGEST_FROM"]
    message["To"] = ", ".join(to)
    message.set_content(render_template("insight/digest.txt", digest=week,
                                        number_lines=_number_lines))
    message.add_attachment(render_pdf(week), maintype="application", subtype="pdf",
                           filename=f"digest-{week.monday.isoformat()}.pdf")
    return message


def send_last_week(zone: str | None = None) -> int:
    """E-mail last week's digest to the managers; return how many were addressed.

    Does nothing (0) without GREETINGS_SMTP_URL or without anyone to send to.
    """
    url = current_app.config.get("SMTP_URL")
    if not url:
        log.info("digest: no SMTP_URL set, nothing sent")
        return 0
    zone = zone or insight_zone()
    today = queries.to_local(utcnow(), zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    to = recipients()
    if not to:
        log.info("digest: no manager to send it to")
        return 0
    rollup.refresh(zone)
    db.session.commit()
    # A job has no request to pick a language from: the managers' language is a setting.
    with force_locale(current_app.config["DIGEST_LANGUAGE"]):
        message = compose(build(monday, zone), to)
    with _smtp(url) as client:
        client.send_message(message)
    log.info("digest of week %s sent to %d recipient(s)", monday.isoformat(), len(to))
    return len(to)
