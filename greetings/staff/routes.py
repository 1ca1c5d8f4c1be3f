"""/staff: sign in and out."""

from datetime import timedelta
from urllib.parse import urlsplit

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
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from .forms import LoginForm
from .service import authenticate, end_sessions

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.before_request
def remember_language():
    """Keep a language chosen with ?lang= for the rest of the session."""
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """Sign a manager or admin in; repeated failures make the next try wait."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = authenticate(form.email.data, form.password.data, request.remote_addr)
        db.session.commit()  # the failure counts, or their reset, whatever the outcome
        if outcome.user is not None:
            login_user(outcome.user)
            return redirect(_safe_next(request.args.get("next")))
        if outcome.wait_seconds:
            wait = format_timedelta(timedelta(seconds=outcome.wait_seconds), threshold=1.5)
            flash(_("Too many failed attempts from here. Try again in %(wait)s.", wait=wait),
                  "error")
            status = 429
        else:
            flash(_("Wrong e-mail or password."), "error")
    response = current_app.make_response((render_template("staff/login.html", form=form),
                                          status))
    if status == 429:
        response.headers["Retry-After"] = str(outcome.wait_seconds)
    return response


@bp.post("/logout")
def logout():
    """Sign out, ending this session everywhere a copy of its cookie lives."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("staff.login"))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would turn our login into a phishing tool.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("admin.overview")
