"""/admin/cards: an order's printed cards, and voiding one that went into the wrong parcel."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..models import Card
from ..staff.roles import Role, role_required
from ..station.service import cards_of_order, void_card
from .routes import bp


class VoidForm(FlaskForm):
    """Only a CSRF token: the page asks before it is sent."""


@bp.get("/cards")
@role_required(Role.ADMIN)
def cards():
    """Find an order's cards by its number."""
    number = request.args.get("order", "")[:130]
    found = cards_of_order(number) if number else []
    return render_template("admin/cards.html", number=number, cards=found, form=VoidForm())


@bp.post("/cards/<int:card_id>/void")
@role_required(Role.ADMIN)
def void(card_id):
    """Void one card: its QR code then opens a page that names no one and takes no answer."""
    card = db.get_or_404(Card, card_id)
    if VoidForm().validate_on_submit():
        void_card(card, current_user)
        db.session.commit()
        flash(_("The card is void. Its code now opens a page without names."), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(url_for("admin.cards", order=card.shipment.order.number))
