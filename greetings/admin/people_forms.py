"""Forms of the People pages (Flask-WTF: validation and CSRF).

The limits are the people service's own (greetings.people.service), so a form refuses
what the service would refuse, in the page's language; the service checks again.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, SearchField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..people import service
from ..text import LANGUAGES
from ..ui import language_name

PIN_PATTERN = r"^[0-9]{4,8}$"


def _line_fields(form_class):
    """Give a form one optional field per card language: the packer's own line."""
    for language in LANGUAGES:
        setattr(form_class, f"line_{language}", StringField(
            language_name(language), validators=[
                Optional(), Length(max=service.LINE_MAX, message=_l(
                    "Keep the line to %(max)d characters or fewer."))],
            render_kw={"lang": language, "maxlength": service.LINE_MAX}))
    return form_class


class _PackerFields(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter the packer's full name.")),
        Length(max=service.FULL_NAME_MAX)],
        render_kw={"autocomplete": "off", "maxlength": service.FULL_NAME_MAX})
    display_name = StringField(_l("Display name"), validators=[
        DataRequired(message=_l("Enter the name customers see.")),
        Length(max=service.DISPLAY_NAME_MAX)],
        render_kw={"autocomplete": "off", "maxlength": service.DISPLAY_NAME_MAX})

    def lines(self) -> dict[str, str]:
        """Return the line fields as {language: text} ("" removes a line)."""
        return {language: getattr(self, f"line_{language}").data or ""
                for language in LANGUAGES}

    def line_fields(self):
        """Return the line fields in the order of LANGUAGES."""
        return [getattr(self, f"line_{language}") for language in LANGUAGES]


@_line_fields
class PackerAddForm(_PackerFields):
    badge = StringField(_l("Badge"), validators=[
        DataRequired(message=_l("Scan or type the badge's code.")),
        Length(max=service.BADGE_MAX)],
        render_kw={"autocomplete": "off", "maxlength": service.BADGE_MAX})
    pin = PasswordField(_l("PIN"), validators=[
        Optional(), Regexp(PIN_PATTERN, message=_l("A PIN is 4 to 8 digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password", "maxlength": 8})
    active = BooleanField(_l("Active: may sign in at a station"), default=True)


@_line_fields
class PackerEditForm(_PackerFields):
    badge = StringField(_l("New badge"), validators=[
        Optional(), Length(max=service.BADGE_MAX)],
        render_kw={"autocomplete": "off", "maxlength": service.BADGE_MAX})
    active = BooleanField(_l("Active: may sign in at a station"))


class PinForm(FlaskForm):
    pin = PasswordField(_l("New PIN"), validators=[
        DataRequired(message=_l("A PIN is 4 to 8 digits.")),
        Regexp(PIN_PATTERN, message=_l("A PIN is 4 to 8 digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password", "maxlength": 8})


class SearchForm(FlaskForm):
    """The list's search box (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or badge"), validators=[Optional(), Length(max=200)])


class SignatureForm(FlaskForm):
    """A drawing (from the canvas, sent as a PNG file by static/signature.js) or an upload."""

    drawing = FileField(_l("Drawing"))
    upload = FileField(_l("Or upload a scan or photo (PNG or JPEG, up to 10 MB)"),
                       render_kw={"accept": "image/png,image/jpeg"})
    language = HiddenField()


class SignatureSaveForm(FlaskForm):
    preview = HiddenField(validators=[DataRequired()])
    consent = BooleanField(_l("The packer agrees that cards carry this signature"))


class ConfirmForm(FlaskForm):
    """Only a CSRF token: for one-button actions."""
