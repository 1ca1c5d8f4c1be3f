"""The console's authorization matrix: every route under /admin × every kind of caller.

Routes are read from the app's url_map, so a page added later is checked without a line
here: it only has to declare its role with `role_required`. The matrix tests the gate
(greetings/admin/access.py and the decorator); the view behind it is replaced by a
stand-in that answers 200, so no route changes anything while the matrix runs.
"""

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from greetings.api.tokens import create_token
from greetings.extensions import db
from greetings.staff.roles import Role, required_role
from greetings.staff.service import create_user
from tests.conftest import make_app

PASSWORD = "correct horse battery"
CALLERS = ["anonymous", "packer", "station", "token", "manager", "admin"]


def console_rules(app):
    """Return (rule, method) for every route of the console."""
    return sorted(((rule, method) for rule in app.url_map.iter_rules()
                   if rule.rule == "/admin" or rule.rule.startswith("/admin/")
                   for method in sorted(rule.methods - {"HEAD", "OPTIONS"})),
                  key=lambda pair: (pair[0].rule, pair[1]))


def sample_url(app, rule):
    """Build a URL for a rule, with a made-up value for each of its arguments."""
    values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app and its callers."""
    path = tmp_path_factory.mktemp("matrix")
    app = make_app(path, f"sqlite:///{path / 'g.sqlite'}", WTF_CSRF_ENABLED=False,
                   RATELIMIT_ENABLED=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        create_user("admin@example.com", PASSWORD, "admin")
        # Signing out ends all of a user's sessions: stations are set up by someone else.
        create_user("setup@example.com", PASSWORD, "manager")
        token = create_token("matrix")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["packer", "add", "Åse Nygaard",
                                                "--display-name", "Åse", "--badge", "B-1"])
    assert result.exit_code == 0, result.output
    callers = {
        "anonymous": app.test_client(),
        "manager": signed_in(app, "manager@example.com"),
        "admin": signed_in(app, "admin@example.com"),
        "station": station(app),
        "packer": packer(app),
        "token": app.test_client(),
    }
    callers["token"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return app, callers


@pytest.fixture
def stand_ins(world):
    """Replace every console view behind its gate by a stand-in, for this test only."""
    app, _ = world
    replaced = {}
    for rule, _ in console_rules(app):
        gate = getattr(app.view_functions[rule.endpoint], "role_gate", None)
        if gate is not None and gate not in replaced:
            replaced[gate] = gate.__wrapped__
            gate.__wrapped__ = lambda *args, **kwargs: ("reached the view", 200)
    yield
    for gate, view in replaced.items():
        gate.__wrapped__ = view


def signed_in(app, email):
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def station(app, name="Bord 1"):
    """A browser a manager set up as a station, then left."""
    client = signed_in(app, "setup@example.com")
    response = client.post("/station/setup", data={
        "name": name, "profile": "a6", "print_mode": "browser", "idle_minutes": "10",
        "join": "y"})  # the station may exist from an earlier test of this module's world
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "greetings_station" in {cookie.key for cookie in client._cookies.values()}
    return client


def packer(app):
    """A station with a packer signed in by badge."""
    # A station of its own: setting up Bord 1 again would cut the other browser off.
    client = station(app, "Bord 2")
    client.post("/station/badge", data={"badge": "B-1"})
    assert client.get("/station/").get_data(as_text=True).count('id="packer-name"') == 1
    return client


def expected_status(caller, role):
    """What the gate answers this caller on a page that needs `role`."""
    if caller == "anonymous":
        return 302  # to the sign-in page
    if caller in ("packer", "station", "token"):
        return 403
    if caller == "manager" and role == Role.ADMIN:
        return 403
    return 200


def test_every_console_route_declares_its_role(world):
    app, _ = world
    rules = console_rules(app)
    assert rules, "the console has routes"
    undeclared = [rule.rule for rule, _ in rules
                  if required_role(app.view_functions[rule.endpoint]) is None]
    assert undeclared == []


@pytest.mark.parametrize("caller", CALLERS)
def test_authorization_matrix(world, stand_ins, caller):
    app, callers = world
    client = callers[caller]
    wrong = []
    for rule, method in console_rules(app):
        role = required_role(app.view_functions[rule.endpoint])
        url = sample_url(app, rule)
        response = client.open(url, method=method)
        expected = expected_status(caller, role)
        if response.status_code != expected:
            wrong.append((method, url, role, response.status_code, expected))
        elif expected == 302 and "/staff/login" not in response.location:
            wrong.append((method, url, role, response.location, "the sign-in page"))
        elif expected == 200 and response.get_data(as_text=True) != "reached the view":
            wrong.append((method, url, role, "not the view", "the view"))
    assert wrong == []


def test_the_console_answers_with_and_without_its_slash(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        db.session.commit()
    client = app.test_client()
    response = client.get("/admin")
    assert response.status_code in (301, 308) and response.location.endswith("/admin/")
    assert client.get("/admin", follow_redirects=True).request.path == "/staff/login"
    client = signed_in(app, "manager@example.com")
    assert client.get("/admin", follow_redirects=True).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_console_view_without_a_declared_role_is_refused_to_everyone(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    app.add_url_rule("/admin/forgotten", "forgotten", lambda: "secret")
    with app.app_context():
        create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    client = signed_in(app, "admin@example.com")
    response = client.get("/admin/forgotten")
    assert response.status_code == 403 and "secret" not in response.get_data(as_text=True)


def test_every_console_post_needs_its_csrf_token(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url)
    with app.app_context():
        create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/staff/login", data={"email": "admin@example.com", "password": PASSWORD,
                                      "csrf_token": csrf})
    assert client.get("/admin/").status_code == 200
    for rule, method in console_rules(app):
        if method == "POST":
            assert client.post(sample_url(app, rule)).status_code == 400, rule.rule


def test_real_console_pages_answer_every_staff_role(tmp_path, sqlite_url):
    # The matrix stands in for the views; here the real ones render for each role.
    app = make_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, "manager")
        create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    for email in ("manager@example.com", "admin@example.com"):
        client = signed_in(app, email)
        for rule, method in console_rules(app):
            role = required_role(app.view_functions[rule.endpoint])
            if method != "GET" or rule.arguments:
                continue
            response = client.get(sample_url(app, rule) + "?lang=de")
            allowed = email.startswith("admin") or role == Role.MANAGER
            assert response.status_code == (200 if allowed else 403), rule.rule


def test_a_manager_signing_in_at_a_station_signs_the_packer_out(world):
    app, _ = world
    client = packer(app)
    assert client.get("/admin/").status_code == 403
    response = client.post("/staff/login", data={"email": "manager@example.com",
                                                  "password": PASSWORD})
    assert response.status_code == 302
    assert 'id="packer-name"' not in client.get("/station/").get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
