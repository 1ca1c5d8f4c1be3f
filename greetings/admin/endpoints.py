"""The console's Outbound endpoints pages (admins only): where feedback events go.

Built over greetings.outbound.service, as the `webhook` CLI is: list, add (the secret
shown once), enable or disable, remove, the delivery log, and dead letters with
"send again".
"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import ProblemError
from ..extensions import db
from ..outbound import service
from ..outbound.outbox import EVENT_TYPES
from ..staff.roles import Role, role_required
from .routes import bp

EVENT_LABELS = {
    "feedback.received": _l("Feedback received"),
    "feedback.updated": _l("Feedback changed by the customer"),
    "feedback.hidden": _l("Comment hidden by a manager"),
}

ATTEMPT_OUTCOMES = {
    "delivered": _l("Delivered"), "failed": _l("Failed, will retry"),
    "gone": _l("Gone (410): endpoint disabled"), "dead": _l("Given up"),
}


class EndpointForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[
        DataRequired(message=_l("Give the address that receives the events.")),
        Length(max=2000)], render_kw={"type": "url", "placeholder": "https://"})
    events = SelectMultipleField(
        _l("Events"), choices=[(name, EVENT_LABELS.get(name, name)) for name in EVENT_TYPES],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


def _refused(error: ProblemError) -> str:
    """Say why the service refused, in the page's language where we know the case."""
    if isinstance(error, service.TargetRefused):
        return _("This address cannot receive events: it must start with https:// and "
                 "reach a public server. (%(detail)s)", detail=error.detail)
    return error.detail or error.title


@bp.route("/endpoints", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def endpoints():
    """List the outbound endpoints with their counts; add one."""
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = service.add_endpoint(form.url.data.strip(), form.events.data)
        except ProblemError as error:
            db.session.rollback()
            form.url.errors.append(_refused(error))
        else:
            db.session.commit()
            # Shown in this answer only (never put in a cookie or a URL), as the CLI does.
            flash(_("The endpoint is added. Copy its secret now: it is shown only once."),
                  "success")
            return _endpoint_page(endpoint, secret=endpoint.secret), 201
    return render_template("admin/endpoints.html", form=form,
                           summaries=service.list_endpoints(), labels=EVENT_LABELS,
                           dead=service.dead_letters(limit=1)), 422 if form.errors else 200


@bp.get("/endpoints/<int:endpoint_id>")
@role_required(Role.ADMIN)
def endpoint(endpoint_id):
    """One endpoint: its secret once after adding, its delivery log and dead letters."""
    try:
        found = service.get_endpoint(endpoint_id)
    except service.EndpointNotFound:
        return _gone()
    return _endpoint_page(found)


def _endpoint_page(found, secret: str | None = None) -> str:
    return render_template(
        "admin/endpoint.html", endpoint=found, secret=secret, labels=EVENT_LABELS,
        outcomes=ATTEMPT_OUTCOMES,
        attempts=service.delivery_log(found.id, limit=100),
        dead=service.dead_letters(found.id))


def _gone():
    flash(_("There is no such endpoint (any more)."), "warning")
    return redirect(url_for(".endpoints"))


def _act(endpoint_id, action, done: str):
    """Run one change on an endpoint behind its CSRF check; flash what became of it."""
    if not FlaskForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    try:
        action()
    except service.EndpointNotFound:
        db.session.rollback()
        return _gone()
    except ProblemError as error:
        db.session.rollback()
        flash(error.detail or error.title, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/endpoints/<int:endpoint_id>/enable")
@role_required(Role.ADMIN)
def endpoint_enable(endpoint_id):
    """Send to a disabled endpoint again."""
    return _act(endpoint_id, lambda: service.enable_endpoint(endpoint_id),
                _("The endpoint receives events again."))


@bp.post("/endpoints/<int:endpoint_id>/disable")
@role_required(Role.ADMIN)
def endpoint_disable(endpoint_id):
    """Stop sending to an endpoint for now."""
    return _act(endpoint_id, lambda: service.disable_endpoint(
        endpoint_id, f"disabled by {current_user.email}"),
        _("The endpoint is disabled: nothing is sent to it until you enable it."))


@bp.post("/endpoints/<int:endpoint_id>/resend")
@role_required(Role.ADMIN)
def endpoint_resend(endpoint_id):
    """Send every dead letter of the endpoint again (same webhook-id each)."""
    return _act(endpoint_id, lambda: service.resend_dead(endpoint_id),
                _("The dead letters are queued to be sent again."))


@bp.post("/endpoints/<int:endpoint_id>/events/<int:event_id>/resend")
@role_required(Role.ADMIN)
def event_resend(endpoint_id, event_id):
    """Send one dead letter again."""
    def resend():
        event = service.find_event(event_id)
        if event.endpoint_id != endpoint_id:
            raise service.EventNotFound(_("That event belongs to another endpoint."))
        service.resend(event_id)
    return _act(endpoint_id, resend, _("The event is queued to be sent again."))


@bp.post("/endpoints/<int:endpoint_id>/remove")
@role_required(Role.ADMIN)
def endpoint_remove(endpoint_id):
    """Remove an endpoint with its unsent events and its delivery log."""
    if not FlaskForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    try:
        service.remove_endpoint(endpoint_id)
    except service.EndpointNotFound:
        db.session.rollback()
    else:
        db.session.commit()
    flash(_("The endpoint is removed."), "success")
    return redirect(url_for(".endpoints"))
