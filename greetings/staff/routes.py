"""/staff: sign in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..extensions import db, limiter
from .forms import LoginForm
from .service import authenticate

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """Sign a manager in."""
    form = LoginForm()
    if form.validate_on_submit():
        user, problem = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        if problem == "locked":
            flash(_("Too many failed attempts. Try again in 15 minutes."), "error")
        else:
            flash(_("Wrong e-mail or password."), "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign the manager out."""
    logout_user()
    return redirect(url_for("staff.login"))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would turn our login into a phishing tool.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("station.setup")
