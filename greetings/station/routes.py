"""/station: set a computer up as a station, sign a packer in, scan, print."""

import base64
import functools
import hashlib

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import logout_user
from sqlalchemy import select

from ..cards.renderer import PROFILES
from ..cards.service import card_image, card_pdf
from ..errors import wants_problem_json
from ..extensions import commit_keeping_loaded, db, limiter
from ..feedback.service import wall_for
from ..models import Card, Packer, PrintMode, Station
from ..staff.service import manager_required
from . import identity
from .forms import BadgeForm, PinForm, ScanForm, StationSetupForm
from .printing import job_state
from .scan import Choice, ScanOutcome, ScanResult, print_card, record_reprint, scan
from .service import (
    PackerNotFound,
    find_packer,
    recent_cards,
)
from .stations import (
    StationRetired,
    active_stations,
    configure,
    issue_secret,
    shops,
    station_named,
)

bp = Blueprint("station", __name__, url_prefix="/station")
ONE_YEAR = 365 * 24 * 3600


def _station_key():
    # Sign-in attempts are counted per station, so one station's fumbling never locks out
    # another behind the same NAT address.
    station = identity.current_station()
    return f"station:{station.id}" if station else request.remote_addr or "?"


def sign_in_route(path):
    """Register a packer's sign-in view: set-up stations only, 20 tries a minute each."""

    def register(view):
        limited = limiter.limit("20 per minute", key_func=_station_key)(view)
        return bp.post(path)(identity.station_required(limited))

    return register


@bp.before_request
def remember_language():
    """Keep a language chosen with ?lang= for the rest of the session."""
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang


@bp.get("/")
def index():
    """Show the station: not set up, sign-in, or the scan screen."""
    station = identity.current_station()
    if station is None:
        return render_template("station/not_set_up.html")
    packer = identity.current_packer()
    if packer is None:
        if session.pop("signed_out_idle", False):
            flash(ngettext("You were signed out after %(num)d minute without a scan. Scan "
                           "your badge to go on.", "You were signed out after %(num)d minutes "
                           "without a scan. Scan your badge to go on.", station.idle_minutes),
                  "info")
        packers = db.session.execute(
            select(Packer).where(Packer.active.is_(True), Packer.pin_hash.is_not(None))
            .order_by(Packer.display_name)).scalars().all()
        return render_template("station/sign_in.html", station=station, badge_form=BadgeForm(),
                               pin_form=PinForm(), packers=packers)
    return render_template("station/scan.html", station=station, packer=packer,
                           form=ScanForm(), recent=recent_cards(station),
                           wall=wall_for(packer.id))


@bp.get("/help", endpoint="help")
def help_page():
    """Explain kiosk printing, CUPS printing and scanning at a station."""
    return render_template("station/help.html", station=identity.current_station())


@bp.route("/setup", methods=["GET", "POST"])
@manager_required
def setup():
    """Let a manager set this computer up as a station (name, site, paper, printing, shops).

    Saving ends the manager's session on this computer: what stays is the station's own
    cookie with a new secret of the station (PRODUCT.md, "The station's promises").
    """
    current = identity.current_station()
    form = StationSetupForm(obj=current, site_name=current.site.name if current and current.site
                            else "", shops=[shop.id for shop in current.integrations]
                            if current else [])
    form.shops.choices = [(shop.id, shop.slug) for shop in shops()]
    ask_join = False
    if form.validate_on_submit():
        existing = station_named(form.name.data)
        ask_join = (existing is not None and existing is not current and existing.active
                    and not form.join.data)
        if not ask_join:
            try:
                return _set_up(existing or Station(), form)
            except StationRetired as retired:
                form.name.errors.append(_("%(name)s is a retired station. Choose another name.",
                                          name=form.name.data.strip()))
                db.session.rollback()
                current_app.logger.info("setup refused: %s", retired.detail)
    return render_template("station/setup.html", form=form, current=current,
                           stations=active_stations(), ask_join=ask_join)


def _set_up(station: Station, form: StationSetupForm):
    configure(station, **form.settings())
    db.session.add(station)
    secret = issue_secret(station)
    db.session.commit()
    end_staff_session()
    flash(_("This computer is now station %(name)s. The manager is signed out here.",
            name=station.name), "ok")
    response = make_response(redirect(url_for("station.index")))
    response.set_cookie(identity.STATION_COOKIE, identity.station_cookie_value(station, secret),
                        max_age=ONE_YEAR, httponly=True, samesite="Lax",
                        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"])
    return response


def end_staff_session() -> None:
    """Sign the manager out on this browser only, keeping its CSRF token and language.

    Their sessions elsewhere (the office PC) stay: only this computer becomes a station.
    """
    logout_user()
    kept = {key: session[key] for key in ("csrf_token", "lang") if key in session}
    session.clear()
    session.update(kept)


@bp.post("/badge")
@identity.station_required
def badge():
    """Sign a packer in by the code their badge scans as.

    Not rate-limited: a badge always signs in, however many wrong PINs were typed here
    (badge codes are only stored hashed; a wrong one only gets the message below).
    """
    form = BadgeForm()
    if form.validate_on_submit():
        try:
            packer = find_packer(form.badge.data)
        except PackerNotFound:
            flash(_("Badge not recognised. Scan it again or use your PIN."), "error")
        else:
            identity.sign_in(packer, identity.current_station())
    return redirect(url_for("station.index"))


@sign_in_route("/pin")
def pin():
    """Sign a packer in with their PIN; wrong ones slow down, none locks anyone out."""
    form = PinForm()
    if not form.validate_on_submit():
        flash(_("Enter your PIN (4 to 8 digits)."), "error")
        return redirect(url_for("station.index"))
    station = identity.current_station()
    packer = db.session.get(Packer, int(form.packer_id.data))
    if packer is None or not packer.active:
        flash(_("Wrong PIN."), "error")
        return redirect(url_for("station.index"))
    verdict = identity.check_pin(packer, station, form.pin.data)
    db.session.commit()
    if verdict.ok:
        identity.sign_in(packer, station)
    elif verdict.tries_left:
        flash(ngettext("Wrong PIN. %(num)d more try before a short wait.",
                       "Wrong PIN. %(num)d more tries before a short wait.",
                       verdict.tries_left), "error")
    else:
        flash(ngettext("Wrong PIN. Wait %(num)d second before the next try, or scan your "
                       "badge.", "Wrong PIN. Wait %(num)d seconds before the next try, or "
                       "scan your badge.", verdict.wait_seconds), "error")
    return redirect(url_for("station.index"))


@bp.post("/signout")
@identity.station_required
def signout():
    """Sign the packer out (the page's idle timer sends reason=idle)."""
    identity.sign_out(idle=request.form.get("reason") == "idle")
    return redirect(url_for("station.index"))


@bp.post("/scan")
@identity.packer_required
def scan_order():
    """Record the scanned order as packed here and print its card."""
    form = ScanForm()
    if not form.validate_on_submit():
        answer = {"result": "invalid", "message": _("Scan the order's barcode.")}
        return _answer(answer, 422)
    station = identity.current_station()
    choice = Choice(form.action.data) if form.action.data else None
    shop_id = int(form.shop.data) if form.shop.data else None
    outcome = scan(form.code.data, g.packer, station, choice, shop_id)
    commit_keeping_loaded()
    return _answer_scan(print_card(outcome, station), station)


@bp.post("/cards/<int:card_id>/print")
@identity.packer_required
def reprint(card_id):
    """Print a card again (a reprint, or a retry after a printer failure): one print."""
    station = identity.current_station()
    outcome = record_reprint(db.get_or_404(Card, card_id))
    commit_keeping_loaded()
    return _answer_scan(print_card(outcome, station), station)


@bp.get("/jobs/<job>")
@identity.packer_required
def job(job):
    """Say where a card's CUPS job is: printing, printed, or printer needs attention."""
    station = identity.current_station()
    queue = station.cups_queue or ""
    if not queue or not job.startswith(queue + "-") or len(job) > 140:
        return jsonify({"result": "needs_attention",
                        "message": _("This station did not send this print job.")}), 404
    state = job_state(job, queue, current_app.config.get("CUPS_SERVER"))
    card = db.session.get(Card, request.args.get("card", 0, type=int))
    number = card.shipment.order.number if card is not None else "?"
    messages = {"printing": _("Printing the card for order %(number)s…", number=number),
                "printed": _("Card printed for order %(number)s.", number=number)}
    message = messages.get(state.result) or _(
        "Printer needs attention: %(reason)s. The card for order %(number)s was not printed.",
        reason=state.reason, number=number)
    return jsonify({"result": state.result, "message": message})


# How each result is answered: the status, and what the packer reads.
SCAN_STATUS = {ScanResult.PRINTED: 200, ScanResult.UNKNOWN: 404, ScanResult.CANCELLED: 409,
               ScanResult.CHOOSE_SHOP: 409,
               ScanResult.OTHER_PACKER: 409, ScanResult.PRINT_FAILED: 502}


def _answer_scan(outcome: ScanOutcome, station: Station):
    """Describe a scan's outcome as the station page (and its script) reads it."""
    answer = {"result": outcome.result}
    order, shipment = outcome.order, outcome.shipment
    if outcome.result == ScanResult.UNKNOWN:
        answer["message"] = _("Unknown order: %(code)s", code=outcome.code.strip()[:40])
    elif outcome.result == ScanResult.CHOOSE_SHOP:
        answer.update(order=outcome.code.strip().lstrip("#")[:40],
                      shops=[{"id": shop.id, "name": shop.slug} for shop in outcome.shops],
                      message=_("Order %(number)s exists in several shops. Which shop?",
                                number=outcome.code.strip().lstrip("#")[:40]))
    elif outcome.result == ScanResult.CANCELLED:
        answer.update(order=order.number, message=_(
            "Order %(number)s is cancelled. Do not ship it.", number=order.number))
    elif outcome.result == ScanResult.OTHER_PACKER:
        name = shipment.packer.display_name
        answer.update(order=order.number, packed_by=name, message=_(
            "%(name)s already packed order %(number)s.", name=name, number=order.number))
    else:
        answer.update(
            reprint=outcome.reprint, order=order.number, shipment_id=shipment.id,
            card_id=outcome.card.id, packer=outcome.card.packer.display_name,
            print_mode=station.print_mode,
            pdf_url=url_for("station.card", card_id=outcome.card.id),
            message=(_("Reprinted the card for order %(number)s.", number=order.number)
                     if outcome.reprint else
                     _("Card printed for order %(number)s.", number=order.number)))
        if outcome.job is not None:
            # Sent, not yet printed: the page follows the job (station.job).
            answer["job"] = outcome.job
            answer["message"] = _("Printing the card for order %(number)s…",
                                  number=order.number)
        if outcome.result == ScanResult.PRINT_FAILED:
            answer["message"] = _("Printer needs attention: %(reason)s. The card for order "
                                  "%(number)s was not printed.", reason=outcome.failure,
                                  number=order.number)
        elif station.print_mode == PrintMode.BROWSER and wants_problem_json():
            # The card travels with the answer, as the image the page prints (the PDF
            # rasterised at the printer's resolution): a second request cost the packer a
            # round trip (about 50 ms in the browser) between Enter and paper, and printing
            # the PDF itself goes through Chromium's PDF viewer (100-145 ms and ~1 s of
            # CPU a card; see greetings/cards/raster.py). It comes in strips (decoded four
            # times faster than one image), which the page places at their rows.
            image = card_image(outcome.card, station.profile)
            answer.update(
                image_strips=[{"data": base64.b64encode(strip.data).decode("ascii"),
                               "top": strip.top, "rows": strip.rows}
                              for strip in image.strips],
                image_size=[image.width_px, image.height_px], image_dpi=image.dpi,
                image_type=image.mimetype,
                print_css=print_css_url(image.paper))
    return _answer(answer, SCAN_STATUS[outcome.result])


def _answer(answer, status):
    if wants_problem_json():
        return jsonify(answer), status
    # Without JavaScript: the scan page again, with the result on it.
    station = identity.current_station()
    return render_template("station/scan.html", station=station, packer=g.packer,
                           form=ScanForm(formdata=None), answer=answer,
                           recent=recent_cards(station),
                           wall=wall_for(g.packer.id)), status


@bp.get("/cards/<int:card_id>/insert.pdf")
@identity.packer_required
def card(card_id):
    """Send a card as PDF, on the station's paper."""
    found = db.get_or_404(Card, card_id)
    return Response(card_pdf(found, identity.current_station().profile),
                    mimetype="application/pdf",
                    headers={"Content-Disposition": "inline", "Cache-Control": "no-store"})


@bp.get("/print/<paper>.css")
def print_css(paper):
    """Lay out a printed card's page: the paper's size, no margin, the card filling it.

    A stylesheet of its own because the station's CSP allows no inline style; the print
    frame (static/station.js) links it. The same for every station on that paper; kept a
    day, so its address carries a hash of it (print_css_url).
    """
    css = print_stylesheet(paper)
    if css is None:
        return Response("/* no such paper */", status=404, mimetype="text/css")
    return Response(css, mimetype="text/css",
                    headers={"Cache-Control": "public, max-age=86400"})


@functools.cache
def print_stylesheet(paper: str) -> str | None:
    """The print page's stylesheet for a paper (None if there is no such paper).

    The page places the card's strips in it (their top and height in CSS pixels).
    """
    found = PROFILES.get(paper)
    if found is None:
        return None
    return (f"@page {{ size: {found.width_mm:g}mm {found.height_mm:g}mm; margin: 0; }}\n"
            "html, body { margin: 0; padding: 0; }\n"
            f".card {{ position: relative; overflow: hidden; width: {found.width_mm:g}mm; "
            f"height: {found.height_mm:g}mm; }}\n"
            ".card img { position: absolute; left: 0; width: 100%; display: block; }\n")


def print_css_url(paper: str) -> str:
    """The address of a paper's print stylesheet, new whenever the stylesheet changes."""
    version = hashlib.sha256(print_stylesheet(paper).encode()).hexdigest()[:12]
    return url_for("station.print_css", paper=paper, v=version)


@bp.get("/recent")
@identity.packer_required
def recent():
    """List the station's last 20 parcels."""
    station = identity.current_station()
    return jsonify([{"order": c.shipment.order.number, "packer": c.packer.display_name,
                     "packed_at": c.created_at.isoformat() + "Z", "shipment_id": c.shipment_id,
                     "card_id": c.id}
                    for c in recent_cards(station)])
