"""The console's Brand page: name, logo, accent colour, card theme and the review link.

What is saved here is one database row over the configuration's defaults
(greetings.cards.brand), read on every request, so every app server shows it at once.
The logo upload may be 10 MB (PRODUCT.md "Limits"): this route alone lifts the app's
1 MiB body limit for its request.
"""

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from ..cards.brand import (
    NAME_MAX,
    REVIEW_URL_MAX,
    BrandRefused,
    current_brand,
    defaults,
    remove_logo,
    save_brand,
    save_logo,
)
from ..cards.preview import card_png, sample_card
from ..cards.renderer import THEMES, ImageRejected
from ..cards.renderer.images import MAX_BYTES
from ..extensions import db
from ..staff.roles import Role, role_required
from ..text import LANGUAGES
from .routes import bp
from .uploads import rejection_message

# Room for the form's other fields and the multipart framing around a 10 MB file.
UPLOAD_BODY_MAX = MAX_BYTES + 256 * 1024
# The renderer's themes by name, in the page's language; a theme added to the renderer
# shows with its own (English) label until it is named here.
THEME_LABELS = {"warm": _l("Warm: a serif salutation, the signature right under the text"),
                "minimal": _l("Minimal: clean sans-serif, the brand name in the accent")}
FIELD_ERRORS = {
    "name": _l("Keep the name to %(max)d characters or fewer.", max=NAME_MAX),
    "accent": _l("Write a colour as #rrggbb, for example #0b57a4."),
    "theme": _l("Choose one of the themes."),
    "review_url": _l("Give an address starting with https:// (at most %(max)d characters, "
                     "no spaces, no user name or password).", max=REVIEW_URL_MAX),
}


class BrandForm(FlaskForm):
    """The brand's settings; an empty field means the configuration's default."""

    name = StringField(_l("Shop name"), validators=[Optional()])
    accent = StringField(_l("Accent colour"), validators=[Optional()])
    theme = SelectField(_l("Card theme"), validators=[Optional()])
    review_url = StringField(_l("Public review link"), validators=[Optional()])
    logo = FileField(_l("Logo"), validators=[Optional()])
    remove_logo = BooleanField(_l("Remove the logo"))


def allow_logo_uploads():
    """Lift the 1 MiB body limit for the Brand page's form only (a logo may be 10 MB)."""
    if request.endpoint == "admin.brand" and request.method == "POST":
        request.max_content_length = UPLOAD_BODY_MAX


@bp.record_once
def _before_csrf(state):
    # First of the app's hooks: CSRFProtect reads the form (and so the body) in its own.
    state.app.before_request_funcs.setdefault(None, []).insert(0, allow_logo_uploads)


def _form() -> BrandForm:
    brand, base = current_brand(), defaults()
    form = BrandForm()
    form.theme.choices = [(key, str(THEME_LABELS.get(key, key.capitalize())))
                          for key in THEMES]
    if request.method == "GET":
        chosen = brand.from_console
        form.name.data = brand.name if "name" in chosen else ""
        form.accent.data = brand.accent if "accent" in chosen else ""
        form.theme.data = brand.theme
        form.review_url.data = brand.review_url if "review_url" in chosen else ""
    form.name.render_kw = {"placeholder": base["name"], "maxlength": NAME_MAX}
    form.accent.render_kw = {"placeholder": base["accent"], "pattern": "#?[0-9a-fA-F]{3,6}",
                             "maxlength": 7, "class": "input mono"}
    form.review_url.render_kw = {"placeholder": base["review_url"] or "https://",
                                 "type": "url", "maxlength": REVIEW_URL_MAX}
    form.logo.render_kw = {"accept": "image/png,image/jpeg"}
    return form


@bp.route("/brand", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def brand():
    """Show and change the brand; the card preview shows it as printed."""
    form = _form()
    if form.validate_on_submit():
        if _save(form):
            db.session.commit()
            flash(_("The brand is saved. Pages and the next cards show it."), "success")
            return redirect(url_for(".brand"))
        db.session.rollback()
    status = 422 if form.errors else 200
    brand = current_brand()
    return render_template(
        "admin/brand.html", form=form, brand_settings=brand, base=defaults(),
        preview=url_for(".brand_preview", v=brand.updated_at.timestamp()
                        if brand.updated_at else "default")), status


def _save(form: BrandForm) -> bool:
    """Store the form's values and logo; put each refusal on its field."""
    user_id = current_user.id
    try:
        save_brand(name=form.name.data, accent=form.accent.data, theme=form.theme.data,
                   review_url=form.review_url.data, user_id=user_id)
    except BrandRefused as error:
        for problem in error.errors:
            getattr(form, problem["field"]).errors.append(FIELD_ERRORS[problem["field"]])
        return False
    upload = form.logo.data
    if form.remove_logo.data:
        remove_logo(user_id)
    elif upload and getattr(upload, "filename", None):
        raw = upload.read(MAX_BYTES + 1)
        try:
            save_logo(raw, user_id)
        except ImageRejected as error:
            form.logo.errors.append(rejection_message(error))
            return False
    return True


@bp.get("/brand/preview.png")
@role_required(Role.MANAGER)
def brand_preview():
    """A card of a made-up order with the brand in force, as PNG."""
    language = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "en"
    response = make_response(card_png(sample_card(language)))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
