"""/admin/people: list, search, add and edit packers; PIN, unlock, deactivate, offboard.

The signature and consent pages are in signature.py. Views speak HTTP and commit; the
people service (greetings.people.service) checks and changes.
"""

from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Packer
from ..people import service
from ..people.service import BadgeTaken, PackerInvalid, PackerOffboarded
from ..staff.roles import Role, role_required
from .people_forms import ConfirmForm, PackerAddForm, PackerEditForm, PinForm, SearchForm
from .routes import bp

PER_PAGE = 50


def _packer(packer_id: int):
    packer = db.session.get(Packer, packer_id)
    if packer is None:
        abort(404)
    return packer


@bp.get("/people")
@role_required(Role.MANAGER)
def people():
    """List packers by display name, with a search over names and badge."""
    form = SearchForm(request.args)
    show = request.args.get("show", "active")
    if show not in service.FILTERS:
        show = "active"
    search = form.q.data if form.validate() else ""
    page = db.paginate(service.packers_query(search or "", show), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    return render_template("admin/people/list.html", page=page, form=form, show=show,
                           search=search or "", is_locked=service.is_locked)


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def add_packer():
    """Add a packer, then go on to their page (signature, consent)."""
    form = PackerAddForm()
    if form.validate_on_submit():
        try:
            packer = service.add_packer(form.full_name.data, form.display_name.data,
                                        form.badge.data, lines=form.lines(),
                                        active=form.active.data, pin=form.pin.data or None)
            db.session.flush()
        except (PackerInvalid, BadgeTaken) as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:
            db.session.rollback()
            form.badge.errors = [*form.badge.errors, _("Another packer has this badge.")]
        else:
            db.session.commit()
            flash(_("%(name)s was added. Add their signature below.",
                    name=packer.display_name), "success")
            return redirect(url_for(".signature", packer_id=packer.id))
    return render_template("admin/people/add.html", form=form), 422 if form.errors else 200


@bp.route("/people/<int:packer_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_packer(packer_id):
    """Show and change a packer's names, badge, lines and whether they may sign in."""
    packer = _packer(packer_id)
    if packer.offboarded_at is not None:
        return render_template("admin/people/offboarded.html", packer=packer)
    form = PackerEditForm(obj=None if request.method == "POST" else _form_data(packer))
    if form.validate_on_submit():
        try:
            service.edit_packer(packer, full_name=form.full_name.data,
                                display_name=form.display_name.data,
                                badge=form.badge.data or None, active=form.active.data)
            service.set_lines(packer, form.lines())
            db.session.flush()
        except (PackerInvalid, BadgeTaken) as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:
            db.session.rollback()
            form.badge.errors = [*form.badge.errors, _("Another packer has this badge.")]
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".edit_packer", packer_id=packer.id))
    return render_template("admin/people/edit.html", packer=packer, form=form,
                           pin_form=PinForm(), confirm=ConfirmForm(),
                           locked=service.is_locked(packer)), 422 if form.errors else 200


@bp.post("/people/<int:packer_id>/pin")
@role_required(Role.MANAGER)
def set_pin(packer_id):
    """Set or reset the packer's station PIN (this also ends a lockout)."""
    packer = _packer(packer_id)
    form = PinForm()
    if form.validate_on_submit():
        _change(lambda: service.set_pin(packer, form.pin.data), _("The new PIN is set."))
    else:
        for error in form.pin.errors or [_("Please try again.")]:
            flash(error, "error")
    return redirect(url_for(".edit_packer", packer_id=packer.id) + "#pin-panel")


@bp.post("/people/<int:packer_id>/pin/remove")
@role_required(Role.MANAGER)
def remove_pin(packer_id):
    """Remove the PIN: the packer signs in by badge only."""
    packer = _packer(packer_id)
    if ConfirmForm().validate_on_submit():
        _change(lambda: service.remove_pin(packer), _("The PIN is removed."))
    return redirect(url_for(".edit_packer", packer_id=packer.id) + "#pin-panel")


@bp.post("/people/<int:packer_id>/unlock")
@role_required(Role.MANAGER)
def unlock(packer_id):
    """Let a packer locked out by wrong PINs try again at once."""
    packer = _packer(packer_id)
    if ConfirmForm().validate_on_submit():
        _change(lambda: service.unlock(packer), _("Unlocked: the packer can sign in again."))
    return redirect(url_for(".edit_packer", packer_id=packer.id) + "#pin-panel")


@bp.post("/people/<int:packer_id>/active")
@role_required(Role.MANAGER)
def set_active(packer_id):
    """Deactivate or reactivate a packer (the list's and the page's quick button)."""
    packer = _packer(packer_id)
    active = request.form.get("active") == "1"
    if ConfirmForm().validate_on_submit():
        _change(lambda: service.set_active(packer, active),
                _("%(name)s may sign in again.", name=packer.display_name) if active else
                _("%(name)s is deactivated and cannot sign in.", name=packer.display_name))
    return redirect(url_for(".edit_packer", packer_id=packer.id))


@bp.post("/people/<int:packer_id>/offboard")
@role_required(Role.MANAGER)
def offboard(packer_id):
    """The packer leaves: delete signature, full name, badge, PIN and lines."""
    packer = _packer(packer_id)
    if ConfirmForm().validate_on_submit():
        _change(lambda: service.offboard(packer),
                _("%(name)s is offboarded: signature and full name are deleted.",
                  name=packer.display_name))
    return redirect(url_for(".edit_packer", packer_id=packer.id))


def _change(action, message: str) -> None:
    """Run a service change and commit it, or flash why it could not be done."""
    try:
        action()
    except PackerOffboarded:
        db.session.rollback()
        flash(_("The packer was offboarded; nothing of theirs can change."), "error")
        return
    except PackerInvalid:
        db.session.rollback()
        flash(_("Please try again."), "error")
        return
    db.session.commit()
    flash(message, "success")


def _form_data(packer) -> SimpleNamespace:
    """Return an object the edit form reads its first values from."""
    lines = {f"line_{language}": text for language, text in service.lines_of(packer).items()}
    return SimpleNamespace(full_name=packer.full_name, display_name=packer.display_name,
                           active=packer.active, **lines)


FIELD_MESSAGES = {
    "full_name": lambda: _("Enter the packer's full name (at most %(max)d characters).",
                           max=service.FULL_NAME_MAX),
    "display_name": lambda: _("Enter the name customers see (at most %(max)d characters).",
                              max=service.DISPLAY_NAME_MAX),
    "badge": lambda: _("A badge code is 1 to %(max)d printable characters.",
                       max=service.BADGE_MAX),
    "pin": lambda: _("A PIN is 4 to 8 digits."),
}


def _field_error(form, error) -> None:
    """Put a service's refusal on the form field it names, in the page's language."""
    if isinstance(error, BadgeTaken):
        form.badge.errors = [*form.badge.errors, _("Another packer has this badge.")]
        return
    name = error.field.replace("lines.", "line_")
    field = getattr(form, name, None)
    message = FIELD_MESSAGES.get(error.field, lambda: _("Please check this field."))()
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]
