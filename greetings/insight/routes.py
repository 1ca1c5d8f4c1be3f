"""Insight pages: the manager's dashboard, worklist, CSV and digest in the console
(/admin/…), the "best of" pins of the moderation page, and the packer's own page at the
station (/station/me)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.routes import console_helpers, remember_language
from ..extensions import db
from ..models import Feedback, FollowUpStatus, utcnow
from ..staff.roles import Role, role_required
from ..station import identity
from . import answers, attention, charts, digest, queries, rollup
from .cells import Cells
from .export import csv_lines
from .forms import STATUS_LABELS, DashboardFilter, FollowUpForm, PinForm
from .service import CannotPin, Period, insight_zone, read_period, week_period
from .service import pin as pin_answer
from .service import set_follow_up as record_follow_up
from .service import unpin as unpin_answer

bp = Blueprint("insight", __name__)
bp.before_request(remember_language)
bp.context_processor(console_helpers)
PER_PAGE = 50


@bp.app_context_processor
def pin_helpers():
    """Let the moderation page (the admin blueprint's) ask which answers are pinned."""
    return {"pinned_ids": lambda items: answers.pinned_ids([item.id for item in items])}


def _zone() -> str:
    return insight_zone()


def _fresh() -> None:
    """Bring the roll-up up to date before a page reads it (usually a few rows' work)."""
    rollup.refresh(_zone())
    db.session.commit()


def _today() -> date:
    return queries.to_local(utcnow(), _zone()).date()


def _filters():
    """Read the period, site and language of the request; bad input falls back, never 500."""
    form = DashboardFilter(request.args)
    sites = queries.sites()
    known = {str(site_id): site_id for site_id, _name in sites}
    form.site.choices = [("", _("All sites"))] + [(str(site_id), name) for site_id, name in sites]
    form.lang.choices = [("", _("All languages"))] + [
        (code, code) for code in current_app.config["LANGUAGES"]]
    period = None
    if form.validate():
        period = read_period(form.start.data, form.end.data, _today())
    if period is None:
        if request.args:
            flash(_("That period could not be read; showing the last 12 weeks."), "warning")
        period = read_period(None, None, _today())
    # Only a site or language the filter offers reaches a query.
    site = known.get(form.site.data or "")
    lang = form.lang.data if form.lang.data in current_app.config["LANGUAGES"] else None
    form.start.data, form.end.data = period.first, period.last
    return form, period, period.scope(_zone(), site=site, language=lang)


def _filter_args(form) -> dict:
    return {key: value for key, value in (
        ("start", form.start.data.isoformat()), ("end", form.end.data.isoformat()),
        ("site", form.site.data), ("lang", form.lang.data)) if value}


@bp.get("/admin/dashboard")
@role_required(Role.MANAGER)
def dashboard():
    """Show response rate, ratings and trends per packer, station, site and week."""
    _fresh()
    form, period, scope = _filters()
    seen = queries.overview(scope)
    return render_template(
        "insight/dashboard.html", form=form, period=period, totals=seen.totals,
        weeks=seen.weeks, chart=charts.response_chart(seen.weeks), packers=seen.packers,
        stations=seen.stations, sites=seen.sites, cells=Cells(),
        filter_args=_filter_args(form), zone=_zone())


@bp.get("/admin/dashboard.csv")
@role_required(Role.MANAGER)
def export():
    """Download the period's answers as CSV (display names only, formula-safe)."""
    _form, period, scope = _filters()
    rows = answers.export_rows(scope)
    name = f"feedback-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/admin/worklist")
@role_required(Role.MANAGER)
def worklist():
    """List low ratings and worrying words with their follow-up status and note."""
    form, period, scope = _filters()
    status = request.args.get("status", FollowUpStatus.OPEN)
    if status != "all" and status not in set(FollowUpStatus):
        status = FollowUpStatus.OPEN
    if attention.refresh():  # the word list changed since the flags were made
        db.session.commit()
    page = db.paginate(
        answers.worklist(scope, None if status == "all" else status),
        per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    follow_ups = answers.follow_ups_for([item.id for item in page.items])
    return render_template("insight/worklist.html", form=form, page=page, status=status,
                           follow_ups=follow_ups, status_labels=STATUS_LABELS,
                           filter_args=_filter_args(form), follow_up_form=FollowUpForm())


@bp.post("/admin/worklist/<int:feedback_id>")
@role_required(Role.MANAGER)
def follow_up(feedback_id):
    """Record the follow-up status and note of one answer."""
    item = db.get_or_404(Feedback, feedback_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        record_follow_up(item, form.status.data, form.note.data, current_user)
        db.session.commit()
        flash(_("Follow-up saved."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for(".worklist", **_safe_args()) + f"#answer-{feedback_id}")


def _safe_args() -> dict:
    # Back to our own list with its filters: never an address taken from the request.
    allowed = ("start", "end", "site", "lang", "status", "page")
    return {key: request.args[key][:40] for key in allowed if request.args.get(key)}


@bp.post("/admin/feedback/<int:feedback_id>/pin")
@role_required(Role.MANAGER)
def pin(feedback_id):
    """Pin a comment to its packer's "best of"."""
    item = db.get_or_404(Feedback, feedback_id)
    if PinForm().validate_on_submit():
        try:
            pin_answer(item, current_user)
        except CannotPin:
            flash(_("Only a visible comment can be pinned."), "error")
        else:
            db.session.commit()
            flash(_("Pinned to the packer's best of."), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(_moderation())


@bp.post("/admin/feedback/<int:feedback_id>/unpin")
@role_required(Role.MANAGER)
def unpin(feedback_id):
    """Take a comment off its packer's "best of"."""
    item = db.get_or_404(Feedback, feedback_id)
    if PinForm().validate_on_submit():
        unpin_answer(item)
        db.session.commit()
        flash(_("Taken off the packer's best of."), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(_moderation())


def _moderation():
    which = request.args.get("show")
    return url_for("admin.feedback", show=which if which in ("comments", "hidden") else None)


def _digest_week() -> date:
    """The Monday of the week asked for (?week=YYYY-MM-DD), else of last week."""
    try:
        asked = date.fromisoformat(request.args.get("week", "")[:10])
    except ValueError:
        asked = _today() - timedelta(days=7)
    return asked - timedelta(days=asked.weekday())


@bp.get("/admin/digest")
@role_required(Role.MANAGER)
def digest_page():
    """Show the week's recognition digest, one printable page per packer."""
    monday = _digest_week()
    _fresh()
    return render_template("insight/digest.html", digest=digest.build(monday, _zone()),
                           cells=Cells(), previous=monday - timedelta(days=7),
                           next=monday + timedelta(days=7))


@bp.get("/admin/digest.pdf")
@role_required(Role.MANAGER)
def digest_pdf():
    """Download the week's digest as a PDF for the notice board."""
    _fresh()
    week = digest.build(_digest_week(), _zone())
    return Response(digest.render_pdf(week), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="digest-{week.monday.isoformat()}.pdf"'})


@bp.get("/station/me")
@identity.packer_required
def my_page():
    """Show the signed-in packer their week: parcels, answers, average, comments, best of."""
    _fresh()
    packer, zone = g.packer, _zone()
    this_week = week_period(_today() - timedelta(days=_today().weekday()))
    scope = this_week.scope(zone, packer_id=packer.id)
    all_time = Period(date(2000, 1, 1), _today()).scope(zone, packer_id=packer.id)
    return render_template(
        "insight/my_page.html", station=identity.current_station(), packer=packer, cells=Cells(),
        week=queries.totals(scope), ever=queries.totals(all_time),
        comments=answers.visible_comments(all_time, limit=10),
        best=answers.pinned(packer.id, limit=5))
