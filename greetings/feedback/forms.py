"""The customer's form: a rating of one to five stars and an optional comment (with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, TextAreaField
from wtforms.validators import Length, StopValidation

from ..text import clean_paragraphs
from .service import COMMENT_MAX, RATINGS


def _comment_or_none(text: str | None) -> str | None:
    """Clean a comment as a person typed it; nothing left means no comment."""
    return clean_paragraphs(text) or None

class RatingField(Field):
    """A number 1–5 (the page draws it as five radio buttons), with one friendly error.

    WTForms' RadioField answers wrong input with its own messages ("Invalid Choice: could
    not coerce"), which are neither friendly nor in our catalogs; here every wrong input
    ends in the one check in pre_validate.
    """

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            value = valuelist[0].strip()
            # isdecimal() alone lets through other scripts' digits; ASCII only.
            if value.isascii() and value.isdecimal() and len(value) < 3:
                self.data = int(value)

    def pre_validate(self, form):
        if self.data not in RATINGS:
            raise StopValidation(_l("Choose from one to five stars."))


class FeedbackForm(FlaskForm):
    rating = RatingField(_l("How did we do?"))
    comment = TextAreaField(
        _l("Comment"),
        filters=[_comment_or_none],
        validators=[Length(max=COMMENT_MAX, message=_l(
            # Length fills in %(max)d itself.
            "Please keep the comment to %(max)d characters or fewer."))],
    )
