"""/f/<token> (and /F/<TOKEN>, the upper-case form a QR code may carry)."""

import hashlib

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale

from ..cards.brand import current_brand
from ..cards.tokens import normalise
from ..extensions import csrf, db, limiter
from .forms import FeedbackForm
from .service import (
    FeedbackIn,
    FeedbackLocked,
    can_change,
    edit_deadline,
    feedback_of,
    find_card,
    page_language,
    save_answer,
)

bp = Blueprint("feedback", __name__)

# FEEDBACK_RATELIMIT_ADDRESS and FEEDBACK_RATELIMIT_TOKEN (defaults.py): a customer needs
# a handful of requests; a script guessing tokens needs billions.
LANGUAGE_NAMES = {"da": "Dansk", "en": "English", "de": "Deutsch", "sv": "Svenska",
                  "nb": "Norsk"}


def _token_key() -> str:
    """Key the per-token limit by the card, whatever case the URL used."""
    token = (request.view_args or {}).get("token", "")
    return "card:" + (normalise(token) or "invalid")


per_address = limiter.shared_limit(
    lambda: current_app.config["FEEDBACK_RATELIMIT_ADDRESS"],
    scope="feedback-address")
per_token = limiter.shared_limit(
    lambda: current_app.config["FEEDBACK_RATELIMIT_TOKEN"],
    scope="feedback-token", key_func=_token_key)


def _card_or_404(token):
    card = find_card(token)
    if card is None:
        abort(404)
    return card


def _private(response):
    """Keep pages with a person's name and a CSRF token out of every shared cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# The form checks its own CSRF token (FlaskForm does), so that an expired token shows the
# form again with a friendly message instead of a bare 400 page.
@csrf.exempt
@bp.route("/f/<token>", methods=["GET", "POST"])
@per_address
@per_token
def give(token):
    """Show the card's feedback form, and take the customer's answer."""
    card = _card_or_404(token)
    lang = page_language(card, request.args.get("lang"))
    with force_locale(lang):
        if card.voided:
            return _private(_voided_page(card, lang))
        return _private(_answer_page(card, lang))


# The QR code may carry the whole URL upper-case (a smaller code): same page.
bp.add_url_rule("/F/<token>", endpoint="give_upper", view_func=give, methods=["GET", "POST"])


def _voided_page(card, lang):
    # The card went into the wrong parcel: whoever holds it is greeted by no name and
    # can answer nothing (410: the card is gone for good).
    return render_template("feedback/void.html", lang=lang,
                           languages=_language_links(card)), 410


def _answer_page(card, lang):
    feedback = feedback_of(card)
    editable = can_change(feedback)
    prefill = {"rating": feedback.rating, "comment": feedback.comment} if feedback else None
    form = FeedbackForm(data=prefill)
    status = 200
    if request.method == "POST":
        if not editable:
            status = 409
        elif form.validate():
            answer = FeedbackIn(form.rating.data, form.comment.data, lang)
            try:
                save_answer(card, answer)
            except FeedbackLocked:
                editable, status = False, 409
            else:
                db.session.commit()
                return redirect(url_for(".thanks", token=card.token, lang=lang), 303)
        else:
            status = 400 if "csrf_token" in form.errors else 422
    return render_template(
        "feedback/page.html", card=card, packer=card.packer,
        first_name=card.shipment.order.first_name, feedback=feedback, form=form,
        editable=editable, deadline=edit_deadline(feedback) if feedback else None,
        lang=lang, languages=_language_links(card),
        signature_size=_png_size(_signature(card)),
    ), status


@bp.get("/f/<token>/thanks")
@per_address
@per_token
def thanks(token):
    """Thank the customer in the packer's name, and offer the public review link if any."""
    card = _card_or_404(token)
    feedback = feedback_of(card)
    lang = page_language(card, request.args.get("lang"))
    if feedback is None or card.voided:
        return redirect(url_for(".give", token=card.token, lang=lang), 303)
    with force_locale(lang):
        page = render_template(
            "feedback/thanks.html", card=card, packer=card.packer,
            first_name=card.shipment.order.first_name, feedback=feedback, lang=lang,
            editable=can_change(feedback),
            # The same link for every rating: review sites forbid asking only happy people.
            review_url=current_brand().review_url,
        )
    return _private(page)


@bp.get("/f/<token>/signature.png")
@per_address
def signature(token):
    """Send the packer's signature image, only while they consent to showing it."""
    card = _card_or_404(token)
    image = None if card.voided else _signature(card)
    if image is None:
        abort(404)
    response = make_response(image)
    response.mimetype = "image/png"
    response.set_etag(hashlib.sha256(image).hexdigest()[:32])
    # Short and private: a revoked consent should stop showing soon, even to this customer.
    response.headers["Cache-Control"] = "private, max-age=600"
    return response.make_conditional(request)


def _signature(card) -> bytes | None:
    signature_png, _ = card.packer.usable_signature()
    return signature_png


def _png_size(png: bytes | None) -> tuple[int, int] | None:
    """Read width and height from a PNG's header, so the page reserves the image's space."""
    if not png or len(png) < 24 or not png.startswith(b"\x89PNG"):
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _language_links(card):
    return [(code, LANGUAGE_NAMES.get(code, code),
             url_for(".give", token=card.token, lang=code))
            for code in current_app.config["LANGUAGES"]]
