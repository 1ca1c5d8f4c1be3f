"""/admin: the console for managers and admins."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..feedback.service import hide_comment, show_comment
from ..models import Feedback
from ..staff.roles import Role, role_label, role_required
from .access import guard_console
from .forms import HideForm, ShowForm
from .nav import visible_nav
from .overview import overview as overview_numbers
from .service import FILTERS, feedback_query, hidden_by

bp = Blueprint("admin", __name__, url_prefix="/admin")
# App-wide, so that anything under /admin passes it, whichever blueprint serves it.
bp.before_app_request(guard_console)
PER_PAGE = 50


@bp.before_request
def remember_language():
    """Keep a language chosen with ?lang= for the rest of the session."""
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang


@bp.context_processor
def console_helpers():
    """Give the console's layout its navigation and role names."""
    return {"console_nav": visible_nav, "role_label": role_label}


@bp.get("/")
@role_required(Role.MANAGER)
def overview():
    """Show today's parcels, this week's answers and what needs a look."""
    return render_template("admin/overview.html", numbers=overview_numbers())


@bp.get("/feedback")
@role_required(Role.MANAGER)
def feedback():
    """List feedback newest first, with a hide (or show) form beside each comment."""
    which = request.args.get("show", "all")
    if which not in FILTERS:
        which = "all"
    page = db.paginate(feedback_query(which), per_page=PER_PAGE, max_per_page=PER_PAGE,
                       error_out=False)
    return render_template("admin/feedback.html", page=page, which=which, filters=FILTERS,
                           hide_form=HideForm(), show_form=ShowForm(), hidden_by=hidden_by)


@bp.post("/feedback/<int:feedback_id>/hide")
@role_required(Role.MANAGER)
def hide(feedback_id):
    """Hide one comment from the packer's wall, with the manager's reason."""
    item = db.get_or_404(Feedback, feedback_id)
    form = HideForm()
    if form.validate_on_submit():
        hide_comment(item, current_user, form.reason.data)
        db.session.commit()
        flash(_("The comment is hidden from the packer."), "success")
    else:
        for error in form.reason.errors or [_("Please try again.")]:
            flash(error, "error")
    return redirect(_back())


@bp.post("/feedback/<int:feedback_id>/show")
@role_required(Role.MANAGER)
def show(feedback_id):
    """Show a hidden comment to the packer again."""
    item = db.get_or_404(Feedback, feedback_id)
    if ShowForm().validate_on_submit():
        show_comment(item)
        db.session.commit()
        flash(_("The packer can see the comment again."), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(_back())


def _back():
    # Only our own list, with its filter: never an address taken from the request.
    which = request.args.get("show")
    return url_for(".feedback", show=which if which in FILTERS else None)
