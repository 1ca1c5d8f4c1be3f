"""Station forms (Flask-WTF: validation and CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..cards.renderer import PROFILES
from .printing import QUEUE_NAME

PROFILE_LABELS = {"a6": "A6 (105 x 148 mm)", "a5": "A5", "a4": "A4", "letter": "US Letter",
                  "thermal4x6": _l("Thermal 4 x 6 in (203 dpi)")}


class StationForm(FlaskForm):
    """What a station is; the console's station page and the set-up page share it."""

    name = StringField(_l("Station name"), validators=[DataRequired(), Length(max=100)])
    site_name = StringField(_l("Site"), validators=[Optional(), Length(max=100)])
    profile = SelectField(_l("Paper"), choices=[(p, PROFILE_LABELS.get(p, p)) for p in PROFILES])
    print_mode = SelectField(_l("Printing"), choices=[
        ("browser", _l("In the browser (print dialog, or silent with --kiosk-printing)")),
        ("cups", _l("Directly to a CUPS printer queue"))])
    cups_queue = StringField(_l("CUPS queue"), validators=[
        Optional(), Regexp(QUEUE_NAME.pattern, message=_l("Letters, digits, . _ - only"))])
    idle_minutes = IntegerField(_l("Sign packers out after this many idle minutes"), default=10,
                                validators=[NumberRange(min=1, max=480)])
    # Choices are the integrations, set by the view; none chosen means every shop.
    shops = SelectMultipleField(_l("Shops it packs for (none: all)"), coerce=int,
                                validators=[Optional()], widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())

    def validate(self, extra_validators=None):
        """Require a queue when the station prints directly."""
        if not super().validate(extra_validators):
            return False
        if self.print_mode.data == "cups" and not self.cups_queue.data:
            self.cups_queue.errors.append(_l("Name the CUPS queue to print to."))
            return False
        return True

    def settings(self) -> dict:
        """Return the form's values as stations.configure takes them."""
        return dict(name=self.name.data.strip(), site_name=self.site_name.data,
                    profile=self.profile.data, print_mode=self.print_mode.data,
                    cups_queue=self.cups_queue.data, idle_minutes=self.idle_minutes.data,
                    shop_ids=self.shops.data or [])


class StationSetupForm(StationForm):
    # Asked when the name is another computer's station: that computer stops being it.
    join = BooleanField(_l("Yes, make this computer that station"))


class BadgeForm(FlaskForm):
    badge = PasswordField(_l("Scan your badge"), validators=[DataRequired(), Length(max=200)])


class PinForm(FlaskForm):
    packer_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Regexp(r"^\d{4,8}$")])


class ScanForm(FlaskForm):
    code = StringField(_l("Scan the order's barcode"), validators=[DataRequired(),
                                                                  Length(max=130)])
    action = HiddenField(validators=[Optional(), Regexp(r"^(reprint|repack)$")])
    # The shop (integration id) chosen when two shops have an order with this number.
    shop = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])


class WaveForm(FlaskForm):
    source = SelectField(_l("Cards for"), choices=[
        ("list", _l("These order numbers")), ("unpacked", _l("All orders not yet packed"))])
    numbers = TextAreaField(_l("Order numbers (one per line, or scan them)"),
                            validators=[Optional(), Length(max=20000)])
    # "All orders not yet packed" marks them packed: asked before it happens.
    confirm = BooleanField(_l("Yes, print them and mark them packed"))
