"""The console's Integrations pages (admins only): the senders of orders.

Add one (kind, slug, default language) and get the URL and secret to paste into Shopify,
WooCommerce or the ERP with short setup steps; rotate its secret with overlap and
remove the old one; read the delivery log with filters; apply parked payloads again
once their cause is fixed. Secrets are shown once, in the answer that made them.
"""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..extensions import db
from ..intake import manage
from ..intake.integrations import IntegrationRefused
from ..models import DeliveryOutcome, Integration, IntegrationKind, utcnow
from ..staff.roles import Role, role_required
from ..text import LANGUAGES
from ..ui import language_name
from .routes import bp

PER_PAGE = 50
KIND_LABELS = {IntegrationKind.SHOPIFY: "Shopify", IntegrationKind.WOOCOMMERCE: "WooCommerce",
               IntegrationKind.STANDARD: _l("ERP or other system (Standard Webhooks)")}
OUTCOME_LABELS = {
    "created": _l("Created"), "updated": _l("Updated"), "duplicate": _l("Repeat"),
    "stale": _l("Older than stored"), "ignored": _l("Ignored"), "ping": _l("Connection test"),
    "parked": _l("Parked"), "unknown_integration": _l("Unknown address"),
    "bad_signature": _l("Bad signature"), "unreadable": _l("Unreadable"),
    "too_large": _l("Too large"), "not_json": _l("Not JSON"), "invalid": _l("Invalid"),
    "refused": _l("Refused"),
}
SECRET_REFUSED = _l("This secret cannot be used: a Standard Webhooks secret starts with "
                    "whsec_, and a secret is listed only once.")
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}


def _languages():
    return [(code, language_name(code)) for code in LANGUAGES]


class IntegrationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(kind.value, label)
                                            for kind, label in KIND_LABELS.items()])
    slug = StringField(_l("Short name (in the URL)"), validators=[
        DataRequired(message=_l("Give the integration a short name.")), Length(max=64),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only."))],
        render_kw={"maxlength": 64, "autocomplete": "off"})
    language = SelectField(_l("Language of orders that carry none"))
    secret = StringField(_l("Secret from the shop"), validators=[Optional(), Length(max=500)],
                         render_kw={"autocomplete": "off", "class": "input mono"})


class SecretForm(FlaskForm):
    secret = StringField(_l("Secret from the shop"), validators=[Optional(), Length(max=500)],
                         render_kw={"autocomplete": "off", "class": "input mono"})


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of orders that carry none"))


def webhook_url(integration: Integration) -> str:
    """Return the address a sender posts its orders to."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/{integration.slug}"


@bp.route("/integrations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def integrations():
    """List the integrations; add one (its secret is shown once, on the next page)."""
    form = IntegrationForm()
    form.language.choices = _languages()
    if request.method == "GET":
        form.language.data = current_app.config["DEFAULT_LANGUAGE"]
    if form.validate_on_submit():
        try:
            found, secret = manage.create_integration(
                form.slug.data, form.kind.data, form.language.data,
                current_app.config["DEFAULT_LANGUAGE"], (form.secret.data or "").strip())
        except IntegrationRefused as error:
            db.session.rollback()
            if "taken" in str(error):
                form.slug.errors.append(_("This short name is taken. Choose another."))
            else:
                form.secret.errors.append(SECRET_REFUSED)
        else:
            db.session.commit()
            flash(_("The integration is added. Copy its secret now: it is shown only once.")
                  if secret else _("The integration is added with the shop's secret."),
                  "success")
            return _integration_page(found, secret=secret), 201
    return render_template("admin/integrations.html", form=form, rows=manage.list_integrations(),
                           kinds=KIND_LABELS), 422 if form.errors else 200


@bp.get("/integrations/<int:integration_id>")
@role_required(Role.ADMIN)
def integration(integration_id):
    """One integration: its URL, setup steps, secrets and latest deliveries."""
    return _integration_page(_get(integration_id))


def _get(integration_id) -> Integration:
    found = db.session.get(Integration, integration_id)
    if found is None:
        abort(404)
    return found


def _integration_page(found: Integration, secret: str | None = None) -> str:
    form = LanguageForm(language=found.default_language)
    form.language.choices = _languages()
    latest = db.paginate(manage.delivery_query(found.id), per_page=10, error_out=False)
    return render_template(
        "admin/integration.html", integration=found, secret=secret, url=webhook_url(found),
        secret_form=SecretForm(),
        kinds=KIND_LABELS, fingerprint=manage.fingerprint, language_form=form,
        latest=latest.items, outcomes=OUTCOME_LABELS,
        parked=db.session.scalar(manage.parked_query(found.id).with_only_columns(
            db.func.count()).order_by(None)))


@bp.post("/integrations/<int:integration_id>/rotate")
@role_required(Role.ADMIN)
def integration_rotate(integration_id):
    """Add a new secret; the old ones stay valid until removed (rotation with overlap)."""
    found = _get(integration_id)
    if not FlaskForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for(".integration", integration_id=found.id))
    form = SecretForm()
    try:
        secret = manage.rotate_secret(found, (form.secret.data or "").strip() or None)
    except IntegrationRefused:
        db.session.rollback()
        flash(SECRET_REFUSED, "error")
        return redirect(url_for(".integration", integration_id=found.id))
    db.session.commit()
    flash(_("A new secret is added; the old one still works until you remove it.") + " " + (
        _("Copy the new secret now: it is shown only once.") if secret else ""), "success")
    return _integration_page(found, secret=secret), 201


@bp.post("/integrations/<int:integration_id>/secrets/<int:secret_id>/remove")
@role_required(Role.ADMIN)
def integration_remove_secret(integration_id, secret_id):
    """Stop accepting one secret (the end of a rotation)."""
    found = _get(integration_id)
    if not FlaskForm().validate_on_submit():
        flash(_("Please try again."), "error")
    else:
        try:
            manage.remove_secret(found, secret_id)
        except manage.LastSecret:
            db.session.rollback()
            flash(_("An integration keeps at least one secret: add a new one first."), "error")
        except manage.IntegrationNotFound:
            db.session.rollback()
            flash(_("That secret was removed already."), "warning")
        else:
            db.session.commit()
            flash(_("The secret is removed: deliveries signed with it are refused now."),
                  "success")
    return redirect(url_for(".integration", integration_id=found.id))


@bp.post("/integrations/<int:integration_id>/language")
@role_required(Role.ADMIN)
def integration_language(integration_id):
    """Change the language of orders that carry none."""
    found = _get(integration_id)
    form = LanguageForm()
    form.language.choices = _languages()
    if form.validate_on_submit():
        manage.set_language(found, form.language.data)
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(url_for(".integration", integration_id=found.id))


def _filters():
    """Read the delivery log's filters from the query string (unknown values: none)."""
    integration_id = request.args.get("integration", type=int)
    if integration_id is not None and not 0 < integration_id < 2**31:
        integration_id = None
    outcome = request.args.get("outcome")
    outcome = outcome if outcome in OUTCOME_LABELS else None
    period = request.args.get("period")
    period = period if period in PERIODS else None
    return integration_id, outcome, period


@bp.get("/deliveries")
@role_required(Role.ADMIN)
def deliveries():
    """The delivery log of every integration, newest first, with filters."""
    integration_id, outcome, period = _filters()
    since = utcnow() - PERIODS[period] if period else None
    page = db.paginate(manage.delivery_query(integration_id, outcome, since),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    all_integrations = db.session.execute(
        db.select(Integration).order_by(Integration.slug)).scalars().all()
    return render_template(
        "admin/deliveries.html", page=page, outcomes=OUTCOME_LABELS,
        integrations=all_integrations, chosen={"integration": integration_id,
                                               "outcome": outcome, "period": period},
        args={key: value for key, value in (("integration", integration_id),
                                            ("outcome", outcome), ("period", period))
              if value is not None})


@bp.get("/parked")
@role_required(Role.ADMIN)
def parked():
    """Parked payloads: why each failed, and "apply again" once the cause is fixed."""
    integration_id, _outcome, _period = _filters()
    solved = request.args.get("show") == "all"
    page = db.paginate(manage.parked_query(integration_id, include_solved=solved),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/parked.html", page=page, show="all" if solved else "open",
        applied=manage.applications([item.id for item in page.items]),
        outcomes=OUTCOME_LABELS, integration_id=integration_id)


@bp.post("/parked/<int:delivery_id>/apply")
@role_required(Role.ADMIN)
def parked_apply(delivery_id):
    """Apply one parked payload again and say what became of it."""
    if not FlaskForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for(".parked"))
    try:
        result = manage.apply_parked(delivery_id, current_user.id)
    except (manage.ParkedNotFound, manage.IntegrationNotFound):
        db.session.rollback()
        flash(_("This payload is no longer kept (it was purged with the retention)."),
              "warning")
        return redirect(url_for(".parked"))
    db.session.commit()
    if result.outcome == DeliveryOutcome.PARKED:
        flash(_("It still fails: %(detail)s", detail=result.detail), "error")
    else:
        flash(_("Applied again: %(outcome)s%(order)s.",
                outcome=OUTCOME_LABELS.get(result.outcome, result.outcome),
                order=f" ({_('order %(number)s', number=result.order_number)})"
                if result.order_number else ""), "success")
    return redirect(url_for(".parked"))

