"""Forms of the insight pages (Flask-WTF: validation, and CSRF on the ones that change)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from ..models import FollowUpStatus
from .service import NOTE_MAX

STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.CONTACTED: _l("Customer contacted"),
    FollowUpStatus.RESOLVED: _l("Resolved"),
}


class DashboardFilter(FlaskForm):
    """The dashboard's period, site and language (a GET form: nothing changes, no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    site = SelectField(_l("Site"), choices=[], validators=[Optional()], validate_choice=False)
    lang = SelectField(_l("Language"), choices=[], validators=[Optional()],
                       validate_choice=False)


class FollowUpForm(FlaskForm):
    status = SelectField(_l("Follow-up"), choices=list(STATUS_LABELS.items()))
    note = TextAreaField(_l("Note"), validators=[
        Optional(),
        Length(max=NOTE_MAX, message=_l("Keep the note to %(max)d characters or fewer.")),
    ])


class PinForm(FlaskForm):
    """Only a CSRF token: pinning needs nothing else."""
