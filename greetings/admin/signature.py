"""/admin/people/<id>/signature: draw or upload a signature, preview the card, save, consent.

Drawn (signature_pad on a canvas, static/signature.js sends it as a PNG file) or
uploaded (a scan or phone photo), the image goes through the same Pillow clean-up as the
command line and the API (people.signatures.prepare). The preview shows the real card,
rendered and rasterised, on A6 and on 203-dpi thermal paper; only a previewed signature
can be saved (it travels back signed, see people.signatures.preview_token).
"""

import base64

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Packer
from ..ops.inputs import body_limit
from ..people import service
from ..people.preview import card_preview_png, card_previews
from ..people.service import Actor, PackerOffboarded
from ..people.signatures import (
    UPLOAD_BODY_LIMIT,
    PreviewExpired,
    SignatureRefused,
    prepare,
    preview_token,
    read_preview_token,
)
from ..staff.roles import Role, role_required
from ..text import LANGUAGES, card_language
from .people_forms import ConfirmForm, SignatureForm, SignatureSaveForm
from .routes import bp
from .uploads import rejection_message, too_large_message


def _live_packer(packer_id: int) -> Packer:
    packer = db.session.get(Packer, packer_id)
    if packer is None:
        abort(404)
    if packer.offboarded_at is not None:
        abort(409, description=_("The packer was offboarded; nothing of theirs can change."))
    return packer


def _language() -> str:
    language = request.values.get("language") or request.args.get("lang")
    return card_language(language)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@bp.get("/people/<int:packer_id>/signature")
@role_required(Role.MANAGER)
def signature(packer_id):
    """Show the stored signature on the card, consent, and the ways to give a new one."""
    packer = _live_packer(packer_id)
    return _page(packer, SignatureForm(language=_language()))


def _page(packer, form, prepared=None, status=200):
    language = _language()
    stored = None
    if service.has_signature(packer):
        stored = (packer.signature_png, packer.signature_1bit)
    shown = (prepared.png, prepared.bilevel) if prepared else stored
    previews = card_previews(packer, language, shown) if shown else None
    return render_template(
        "admin/people/signature.html", packer=packer, form=form, language=language,
        languages=LANGUAGES, previews={k: _data_uri(v) for k, v in (previews or {}).items()},
        prepared=prepared, stored=stored is not None,
        signature_uri=_data_uri(shown[0]) if shown else None,
        save_form=SignatureSaveForm(preview=preview_token(packer, prepared) if prepared
                                    else None, consent=packer.signature_consent),
        confirm=ConfirmForm(), history=service.consent_history(packer)[:10]), status


@bp.post("/people/<int:packer_id>/signature/preview")
@body_limit(UPLOAD_BODY_LIMIT)
@role_required(Role.MANAGER)
def preview_signature(packer_id):
    """Clean a drawing or upload up and show how it prints, before anything is saved."""
    packer = _live_packer(packer_id)
    form = SignatureForm()
    if not form.validate_on_submit():
        flash(_("This page was open for a long time. Please send the form again."), "error")
        return redirect(url_for(".signature", packer_id=packer.id))
    file = form.drawing.data or form.upload.data
    raw = file.read() if file else b""
    if not raw:
        form.upload.errors = [_("Draw the signature above, or choose a file to upload.")]
        return _page(packer, form, status=422)
    try:
        prepared = prepare(raw)
    except SignatureRefused as refusal:
        form.upload.errors = [rejection_message(refusal.__cause__)]
        return _page(packer, form, status=422)
    return _page(packer, form, prepared)


@bp.post("/people/<int:packer_id>/signature")
@role_required(Role.MANAGER)
def save_signature(packer_id):
    """Store the previewed signature and record the packer's consent, who and when."""
    packer = _live_packer(packer_id)
    form = SignatureSaveForm()
    if not form.validate_on_submit():
        flash(_("Please preview the signature again, then save it."), "error")
        return redirect(url_for(".signature", packer_id=packer.id))
    try:
        prepared = read_preview_token(form.preview.data, packer)
    except PreviewExpired:
        flash(_("The preview is too old. Please preview the signature again, then save it."),
              "error")
        return redirect(url_for(".signature", packer_id=packer.id))
    service.store_signature(packer, prepared.png, prepared.bilevel)
    service.record_consent(packer, form.consent.data, Actor.staff(current_user))
    db.session.commit()
    if form.consent.data:
        flash(_("The signature is saved; new cards carry it."), "success")
    else:
        flash(_("The signature is saved. Cards carry it only once the packer agrees."),
              "warning")
    return redirect(url_for(".signature", packer_id=packer.id))


@bp.post("/people/<int:packer_id>/signature/remove")
@role_required(Role.MANAGER)
def remove_signature(packer_id):
    """Delete the packer's signature; new cards print the name in a script face."""
    packer = _live_packer(packer_id)
    if ConfirmForm().validate_on_submit():
        service.remove_signature(packer)
        db.session.commit()
        flash(_("The signature is deleted."), "success")
    return redirect(url_for(".signature", packer_id=packer.id))


@bp.post("/people/<int:packer_id>/consent")
@role_required(Role.MANAGER)
def consent(packer_id):
    """Record that the packer gave or revoked consent to print their signature."""
    packer = db.session.get(Packer, packer_id) or abort(404)
    given = request.form.get("given") == "1"
    if ConfirmForm().validate_on_submit():
        try:
            service.record_consent(packer, given, Actor.staff(current_user))
        except PackerOffboarded:
            db.session.rollback()
            abort(409)
        db.session.commit()
        flash(_("Consent recorded: new cards carry the signature.") if given else
              _("Consent revoked: new cards no longer carry the signature."), "success")
    return redirect(url_for(".signature", packer_id=packer.id))


@bp.get("/people/<int:packer_id>/card.png")
@role_required(Role.MANAGER)
def card_preview(packer_id):
    """The packer's card on a sample order as it prints now (A6 or thermal), as PNG."""
    packer = db.session.get(Packer, packer_id) or abort(404)
    profile = "thermal4x6" if request.args.get("profile") == "thermal4x6" else "a6"
    png = card_preview_png(packer, _language(), profile)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.errorhandler(413)
def upload_too_large(_error):
    """A body over the route's limit: say so in words (the upload never arrived)."""
    limit = request.max_content_length or UPLOAD_BODY_LIMIT
    return render_template("errors/error.html", status=413, title=_("Too large"),
                           detail=too_large_message(max(1, limit // (1024 * 1024)))), 413
