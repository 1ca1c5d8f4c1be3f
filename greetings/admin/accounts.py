"""/admin/access: API tokens with scopes (shown once) and staff users (admins only)."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..api.scopes import DESCRIPTIONS, Scope
from ..api.tokens import TokenInvalid, create_token, list_tokens, revoke_token
from ..extensions import db
from ..models import ApiToken, User
from ..staff.roles import Role, role_required
from ..staff.service import StaffChangeRefused, create_user, list_users, set_role, set_user_active
from .access_forms import RoleForm, TokenForm, UserForm
from .people_forms import ConfirmForm
from .routes import bp


def _scope_help() -> dict[str, str]:
    return {scope.value: {
        Scope.PACK: _("record packed orders and fetch their cards"),
        Scope.FEEDBACK_READ: _("read customers' feedback"),
        Scope.PACKERS_READ: _("list packers"),
        Scope.PACKERS_WRITE: _("add and change packers and their signatures"),
    }.get(scope, DESCRIPTIONS[scope]) for scope in Scope}


@bp.route("/access/tokens", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def tokens():
    """List live API tokens; make a new one and show it once."""
    form = TokenForm()
    new_token, status = None, 200
    if form.validate_on_submit():
        try:
            new_token = create_token(form.name.data, form.scopes.data)
        except TokenInvalid:
            db.session.rollback()
            form.name.errors = [*form.name.errors, _("Please check the name.")]
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    elif form.errors:
        status = 422
    response = make_response(render_template(
        "admin/access/tokens.html", form=form, tokens=list_tokens(), new_token=new_token,
        scope_help=_scope_help(), confirm=ConfirmForm()), status)
    # The new token is in this page only: no cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/access/tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def revoke(token_id):
    """Revoke a token: every system using it is refused from now on."""
    token = db.get_or_404(ApiToken, token_id)
    if ConfirmForm().validate_on_submit():
        revoke_token(token)
        db.session.commit()
        flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for(".tokens"))


@bp.route("/access/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users():
    """List staff users; add one with a role and a first password."""
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data, form.role.data)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.email.errors = [*form.email.errors, _("This e-mail already has a login.")]
            status = 422
        else:
            flash(_("%(email)s can sign in now.", email=user.email), "success")
            return redirect(url_for(".users"))
    elif form.errors:
        status = 422
    return render_template("admin/access/users.html", form=form, users=list_users(),
                           role_form=RoleForm(), confirm=ConfirmForm()), status


@bp.post("/access/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def user_role(user_id):
    """Give a staff user another role (the last admin keeps theirs)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        _staff_change(lambda: set_role(user, form.role.data),
                      _("%(email)s's role is changed.", email=user.email))
    return redirect(url_for(".users"))


@bp.post("/access/users/<int:user_id>/active")
@role_required(Role.ADMIN)
def user_active(user_id):
    """Switch a staff login off (its sessions end at once) or on again."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        if user.id == current_user.id and not active:
            abort(409, description=_("You cannot switch your own login off."))
        _staff_change(lambda: set_user_active(user, active),
                      _("%(email)s can sign in again.", email=user.email) if active else
                      _("%(email)s can no longer sign in.", email=user.email))
    return redirect(url_for(".users"))


def _staff_change(action, message: str) -> None:
    try:
        action()
    except StaffChangeRefused:
        db.session.rollback()
        flash(_("There must always be an active admin."), "error")
        return
    db.session.commit()
    flash(message, "success")
