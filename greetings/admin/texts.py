"""The console's Greetings pages: each language's greeting text, edited with a live preview.

A text is stored only after it renders, within the sandbox's bounds, for every sample
order (greetings.cards.greeting_texts); the page says which order it failed for. The
preview is the real card of a made-up order, rendered and rasterised on the server.
"""

import base64

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ..cards import sandbox
from ..cards.brand import current_brand
from ..cards.greeting_texts import (
    VARIABLES,
    GreetingRefused,
    default_template,
    problems_of,
    reset_greeting,
    save_greeting,
    stored_template,
)
from ..cards.preview import card_png, sample_card, sample_values
from ..extensions import db
from ..staff.roles import Role, role_required
from ..text import LANGUAGES
from ..ui import language_name
from .routes import bp

# What each variable holds, for the list beside the editor.
VARIABLE_HELP = {
    "first_name": _l("The customer's first name; empty when the order has none or the card "
                     "cannot print it."),
    "packer": _l("The display name of the packer who packed the parcel."),
    "brand": _l("The shop's name, as set on the Brand page."),
    "order_number": _l("The order number from the packing slip."),
    "item_count": _l("How many items the parcel holds."),
}
# Problem reasons as a manager reads them; the English detail follows for the rest.
REASONS = {
    "range-too-large": _l("A range() is too long (at most %(n)d items).", n=sandbox.MAX_RANGE),
    "too-many-iterations": _l("The loops run too often (at most %(n)d turns in all).",
                              n=sandbox.MAX_ITERATIONS),
    "too-slow": _l("The text takes too long to write."),
    "value-too-large": _l("The text builds a value that is far too large."),
    "output-too-long": _l("The text is too long for a card (at most %(n)d characters).",
                          n=sandbox.MAX_OUTPUT),
    "source-too-long": _l("The template is too long (at most %(n)d characters).",
                          n=sandbox.MAX_SOURCE),
    "forbidden": _l("The template uses something greetings may not use."),
    "forbidden-tag": _l("The template uses a tag greetings may not use."),
    "forbidden-attribute": _l("The template reaches for an attribute greetings may not use."),
    "unknown-variable": _l("The template uses a variable that does not exist."),
    "syntax": _l("The template cannot be read."),
    "empty": _l("The template gives no text."),
    "error": _l("The template fails for some orders."),
}


class GreetingForm(FlaskForm):
    """The text of one language; `action` says whether to preview or save it."""

    template = TextAreaField(_l("Greeting text"), validators=[
        DataRequired(message=_l("Write a greeting, or go back to the default text."))])


def _language(language: str) -> str:
    if language not in LANGUAGES:
        abort(404)
    return language


def _problem_lines(problems) -> list[str]:
    """Say why a template is refused, in the page's language and with the English detail."""
    lines = []
    for problem in problems:
        text = str(REASONS.get(problem.reason, REASONS["error"]))
        if problem.line:
            text = _("Line %(line)d: %(text)s", line=problem.line, text=text)
        if problem.sample is not None:
            text += " " + _("It failed for the sample order with first name %(name)s and "
                            "%(count)d items.", name=repr(problem.sample.first_name[:24]),
                            count=problem.sample.item_count)
        lines.append(f"{text} ({problem.describe()})")
    return lines


def _preview_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@bp.get("/greetings")
@role_required(Role.MANAGER)
def greetings():
    """List the greeting text of each language: the default, or the manager's own."""
    rows = []
    for language in LANGUAGES:
        own = stored_template(language)
        rows.append({"id": language, "language": language, "name": language_name(language),
                     "own": own, "text": own.template if own else default_template(language)})
    return render_template("admin/greetings.html", rows=rows)


@bp.route("/greetings/<language>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def greeting_edit(language):
    """Edit one language's text: preview it on a card, or save it once it passes."""
    language = _language(language)
    own = stored_template(language)
    form = GreetingForm()
    if request.method == "GET":
        form.template.data = own.template if own else default_template(language)
    problems, preview = [], None
    if form.validate_on_submit():
        source = form.template.data
        if request.form.get("action") == "save":
            try:
                save_greeting(language, source)
            except GreetingRefused as error:
                db.session.rollback()
                problems = error.problems
            else:
                db.session.commit()
                flash(_("The greeting text for %(language)s is saved. The next cards carry it.",
                        language=language_name(language)), "success")
                return redirect(url_for(".greeting_edit", language=language))
        else:
            problems = problems_of(source)
        if not problems:
            preview = _preview_url(card_png(sample_card(language, source)))
    elif request.method == "GET":
        preview = url_for(".greeting_preview", language=language,
                          v=own.updated_at.timestamp() if own else "default")
    status = 422 if problems or form.errors else 200
    return render_template(
        "admin/greeting_edit.html", form=form, language=language,
        language_label=language_name(language), own=own, problems=_problem_lines(problems),
        preview=preview, variables=[(name, VARIABLE_HELP[name]) for name in VARIABLES],
        sample=sample_values(language, current_brand())), status


@bp.get("/greetings/<language>/preview.png")
@role_required(Role.MANAGER)
def greeting_preview(language):
    """The card of the made-up order with the stored text, as PNG."""
    language = _language(language)
    own = stored_template(language)
    try:
        png = card_png(sample_card(language, own.template if own else None))
    except Exception:  # noqa: BLE001 (a stored text that fails: preview the default)
        png = card_png(sample_card(language))
    response = make_response(png)
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/greetings/<language>/reset")
@role_required(Role.MANAGER)
def greeting_reset(language):
    """Go back to the shipped default text of a language."""
    language = _language(language)
    if FlaskForm().validate_on_submit():
        reset_greeting(language)
        db.session.commit()
        flash(_("The greeting text for %(language)s is the default again.",
                language=language_name(language)), "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(url_for(".greeting_edit", language=language))


@bp.post("/greetings/<language>/try")
@role_required(Role.MANAGER)
def greeting_try(language):
    """The live preview: check a draft and answer JSON with its problems or its card."""
    language = _language(language)
    form = GreetingForm()
    if not form.validate_on_submit():
        return {"problems": [str(error) for errors in form.errors.values()
                             for error in errors]}, 422
    problems = problems_of(form.template.data)
    if problems:
        return {"problems": _problem_lines(problems)}, 422
    return {"problems": [], "image": _preview_url(card_png(sample_card(
        language, form.template.data)))}
