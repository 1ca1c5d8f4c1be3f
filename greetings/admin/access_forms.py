"""Forms of the Access pages: API tokens and staff users (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..api.scopes import SCOPES
from ..api.tokens import NAME_MAX
from ..staff.roles import ROLES, role_label


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (wtforms' documented recipe)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Name the token after the system that uses it.")),
        Length(max=NAME_MAX)], render_kw={"maxlength": NAME_MAX, "autocomplete": "off"})
    scopes = MultiCheckboxField(_l("May"), choices=[(scope, scope) for scope in SCOPES],
                                validators=[DataRequired(message=_l("Choose at least one."))])


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter an e-mail address.")),
        Length(max=320)])
    role = SelectField(_l("Role"), choices=[(role, role) for role in ROLES])
    password = PasswordField(_l("First password"), validators=[
        DataRequired(), Length(min=10, max=200, message=_l(
            "A password has 10 to 200 characters."))],
        render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(role, role_label(role)) for role in ROLES]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(role, role) for role in ROLES])
