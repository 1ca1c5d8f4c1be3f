"""Forms of the manager's pages (Flask-WTF: validation and CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..feedback.service import REASON_MAX


class HideForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[
        DataRequired(message=_l("Say why the comment is hidden.")),
        Length(max=REASON_MAX, message=_l("Keep the reason to %(max)d characters or fewer.")),
    ])


class ShowForm(FlaskForm):
    """Only a CSRF token: showing a comment again needs no reason."""
