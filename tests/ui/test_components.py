"""The Jinja components (templates/_components.html) render what their comment promises."""

import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, Optional

from greetings.extensions import db
from greetings.models import Packer
from tests.conftest import make_app


class SampleForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired()])
    nickname = StringField("Display name", validators=[Optional()])
    active = BooleanField("Active")
    size = RadioField("Paper", choices=[("a6", "A6"), ("a5", "A5")], default="a6")


@pytest.fixture
def app(tmp_path, sqlite_url):
    return make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)


def render(app, source, **context):
    """Render a snippet that imports the components as `ui`."""
    with app.test_request_context("/admin/?lang=en"):
        return render_template_string('{% import "_components.html" as ui %}' + source,
                                      **context)


def test_a_field_ties_label_help_and_error_together(app):
    with app.test_request_context(method="POST", data={"name": ""}):
        form = SampleForm()
        assert not form.validate()
        html = render_template_string(
            '{% import "_components.html" as ui %}{{ ui.field(form.name, help="As on the ID") }}'
            '{{ ui.field(form.nickname) }}', form=form)
    assert '<label class="field-label" for="name">Full name</label>' in html
    assert 'aria-describedby="name-help name-error"' in html
    assert 'aria-invalid="true"' in html and " required" in html
    assert 'id="name-help">As on the ID<' in html
    assert re.search(r'id="name-error">[^<]*required', html, re.IGNORECASE)
    # Only fields whose validators say so are marked optional.
    assert html.count("(optional)") == 1 and "Display name <span" in html


def test_checkboxes_and_radio_lists(app):
    with app.test_request_context():
        html = render_template_string(
            '{% import "_components.html" as ui %}{{ ui.field(form.active) }}'
            '{{ ui.field(form.size) }}', form=SampleForm())
    assert re.search(r'<input[^>]*id="active"[^>]*type="checkbox"[^>]*>'
                     r'<label class="field-label" for="active">Active</label>', html)
    assert "<fieldset" in html and '<legend class="field-label">Paper' in html
    assert 'for="size-0">A6</label>' in html and 'for="size-1">A5</label>' in html


def test_buttons_show_their_shortcut(app):
    html = render(app, '{{ ui.button("Reprint", key="R", attrs={"data-action": "reprint", '
                       '"disabled": true, "id": "again"}) }}'
                       '{{ ui.link_button("Open", "/x", kind="danger", size="sm") }}')
    assert 'aria-keyshortcuts="R"' in html
    assert '<kbd class="key" aria-hidden="true">R</kbd>' in html
    assert 'data-action="reprint"' in html and " disabled" in html and 'id="again"' in html
    assert 'class="btn btn-primary"' in html
    assert '<a href="/x" class="btn btn-danger btn-sm">Open</a>' in html


def test_post_button_carries_its_csrf_token_and_question(app):
    html = render(app, '{{ ui.post_button("Remove", "/admin/x", kind="danger", '
                       'hidden={"id": 7}, confirm="Sure?") }}')
    assert '<form method="post" action="/admin/x" class="inline" data-confirm="Sure?">' in html
    assert 'name="csrf_token"' in html and 'name="id" value="7"' in html


def test_a_table_without_rows_is_an_empty_state(app):
    source = ('{% call(row) ui.table(rows, ["Name", {"label": "Count", "num": true}], '
              'empty_title="No packers yet", empty_text="Add one.", row_id="p-") %}'
              '<td>{{ row.name }}</td><td class="num">{{ row.n }}</td>{% endcall %}')
    empty = render(app, source, rows=[])
    assert "<table" not in empty and "No packers yet" in empty and "Add one." in empty
    html = render(app, source, rows=[{"id": 3, "name": "<Åse>", "n": 2}])
    assert '<th scope="col" class="num">Count</th>' in html
    assert '<tr id="p-3"><td>&lt;Åse&gt;</td><td class="num">2</td></tr>' in html


def test_pagination_links_keep_the_filter(app):
    with app.app_context():
        for n in range(5):
            db.session.add(Packer(full_name=f"P {n}", display_name=f"P{n}",
                                  badge_hash=f"{n:064}"))
        db.session.commit()
    with app.test_request_context():
        page = db.paginate(db.select(Packer), page=2, per_page=1, error_out=False)
        html = render_template_string('{% import "_components.html" as ui %}'
                                      '{{ ui.pagination(page, "admin.feedback", show="hidden") }}',
                                      page=page)
    assert "2–2 of 5" in html
    assert 'href="/admin/feedback?page=1&amp;show=hidden" rel="prev"' in html
    assert '<span aria-current="page">2</span>' in html
    assert 'href="/admin/feedback?page=3&amp;show=hidden" rel="next"' in html


def test_filter_tabs_and_bar(app):
    html = render(app, '{{ ui.filter_tabs([("all", "All"), ("hidden", "Hidden")], "hidden", '
                       '"admin.feedback", label="Show") }}'
                       '{% call ui.filter_bar("Search", reset_href="/admin/feedback") %}'
                       '<input name="q">{% endcall %}')
    assert '<a href="/admin/feedback?show=hidden" aria-current="page">Hidden</a>' in html
    assert '<a href="/admin/feedback?show=all">All</a>' in html
    assert 'role="search"' in html and 'method="get"' in html and ">Reset<" in html


def test_flashes_speak_by_category(app):
    with app.test_request_context("/"):
        from flask import flash
        flash("Saved.", "success")
        flash("Nope.", "error")
        html = render_template_string('{% import "_components.html" as ui %}{{ ui.flashes() }}')
    assert '<p class="flash flash-success tone-success" role="status">Saved.</p>' in html
    assert '<p class="flash flash-error tone-danger" role="alert">Nope.</p>' in html


def test_page_header_stat_badge_stars(app):
    html = render(app, '{% call ui.page_header("People", "Who packs") %}<a href="#">Add</a>'
                       '{% endcall %}{{ ui.stat("Packed", 12, href="/x", hint="today") }}'
                       '{{ ui.badge("Active", "success") }}{{ ui.stars(4) }}')
    assert "<h1>People</h1>" in html and '<div class="actions"><a href="#">Add</a></div>' in html
    assert '<a class="stat" href="/x">' in html and ">12<" in html
    assert '<span class="badge badge-success">Active</span>' in html
    assert 'aria-label="4 stars">★★★★☆<' in html
