"""/station/wave: the cards of a whole pick list (or of every order not yet packed) at once.

A pasted list prints what it can and names what it skipped and why; "all orders not yet
packed" says how many first and asks before it marks anything packed. The result page
names each order printed and prints the cards from one PDF.
"""

from flask import Response, abort, current_app, flash, g, render_template, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..cards.service import wave_pdf
from ..extensions import db
from ..models import Card
from . import identity
from .forms import WaveForm
from .routes import bp
from .service import (
    OrderAmbiguous,
    OrderNotFound,
    count_print,
    orders_of_pick_list,
    pack_order,
    parse_pick_list,
    unpacked_orders,
)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="wave")


def skipped_reason(problem) -> str:
    """Say in plain words why a pick list's code was not printed."""
    if isinstance(problem, OrderNotFound):
        return _("unknown order")
    if isinstance(problem, OrderAmbiguous):
        return _("several shops have this number: scan it at the station to choose")
    return _("the order is %(status)s", status=problem.order.status)


@bp.route("/wave", methods=["GET", "POST"])
@identity.packer_required
def wave():
    """Print the cards of a pick list as one PDF, in the list's order."""
    form, station = WaveForm(), identity.current_station()
    waiting = unpacked_orders(station.integrations)
    page = dict(form=form, packer=g.packer, station=station, waiting=len(waiting))
    if not form.validate_on_submit():
        return render_template("station/wave.html", **page)
    if form.source.data == "unpacked":
        if not form.confirm.data:
            flash(_("This prints %(count)d cards and marks %(count)d orders packed. Tick the "
                    "box to go ahead.", count=len(waiting)), "error")
            return render_template("station/wave.html", ask=True, **page), 422
        orders, skipped = waiting, []
    else:
        orders, skipped = orders_of_pick_list(parse_pick_list(form.numbers.data),
                                              station.integrations)
    skipped = [(code, skipped_reason(problem)) for code, problem in skipped]
    if not orders:
        flash(_("No orders to print."), "error")
        return render_template("station/wave.html", skipped=skipped, **page), 422
    cards = [pack_order(order, g.packer, station).card for order in orders]
    for card in cards:
        count_print(card)
    db.session.commit()
    key = _serializer().dumps({"station": station.id, "cards": [card.id for card in cards]})
    return render_template("station/wave_done.html", packer=g.packer, station=station,
                           cards=cards, skipped=skipped,
                           pdf_url=url_for("station.wave_pdf_of", key=key))


@bp.get("/wave/<key>.pdf")
@identity.packer_required
def wave_pdf_of(key):
    """Send a wave's cards as one PDF, on the station's paper (this station's cards only)."""
    station = identity.current_station()
    try:
        wave_key = _serializer().loads(key)
    except BadSignature:
        abort(404)
    # Signed for this station: another station's wave link prints nothing here.
    if not isinstance(wave_key, dict) or wave_key.get("station") != station.id:
        abort(404)
    card_ids = [card_id for card_id in wave_key.get("cards", []) if isinstance(card_id, int)]
    found = {card.id: card for card in db.session.execute(
        select(Card).where(Card.id.in_(card_ids))).scalars()}
    cards = [found[card_id] for card_id in card_ids if card_id in found]
    if not cards:
        abort(404)
    return Response(wave_pdf(cards, station.profile), mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="wave.pdf"',
                             "X-Wave-Count": str(len(cards)), "Cache-Control": "no-store"})
