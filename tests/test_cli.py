"""The setup commands are safe to run again; the app honours its configuration sources."""

from sqlalchemy import func, select

from greetings import create_app
from greetings.extensions import db
from greetings.models import Order, Packer, Shipment, User


def counts(app):
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(model))
                for model in (Order, Packer, Shipment, User)]


def test_init_db_and_demo_twice(app, runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "manager@example.com" in first.output and "gr_" in first.output
    assert "admin@example.com" in first.output
    before = counts(app)
    assert runner.invoke(args=["init-db"]).exit_code == 0
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts(app) == before == [6, 2, 3, 2]  # a manager and an admin
    assert "gr_" not in second.output  # the demo token is shown once


def test_render_of_a_demo_card(app, runner, tmp_path):
    runner.invoke(args=["demo"])
    out = tmp_path / "card.pdf"
    result = runner.invoke(args=["render", "1001", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_environment_overrides_and_instance_path(tmp_path, monkeypatch):
    monkeypatch.setenv("GREETINGS_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GREETINGS_DATABASE_URL", "postgresql://u:p@db.internal/greetings")
    monkeypatch.setenv("GREETINGS_PUBLIC_BASE_URL", "https://greet.example.com")
    app = create_app()
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["PUBLIC_BASE_URL"] == "https://greet.example.com"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    # A key was made for this deployment and kept out of the repository.
    assert (tmp_path / "elsewhere" / "secret_key").stat().st_mode & 0o077 == 0


def test_migrations_match_the_models(any_app):
    # A model changed without a migration would make `db check` find differences.
    result = any_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_packer_add_refuses_a_hostile_signature_clearly(app, runner, tmp_path):
    """Issue 13 item 7: a PNG of 49,000,000 x 1 px crashed `packer add` with a ValueError."""
    from tests.cards.samples import make_png_bomb, make_signature_photo

    strip = tmp_path / "strip.png"
    strip.write_bytes(make_png_bomb(49_000_000, 1))
    result = runner.invoke(args=["packer", "add", "Åse Lind", "--display-name", "Åse",
                                 "--badge", "B-1", "--signature", str(strip)])
    assert result.exit_code == 1 and "signature refused" in result.output
    assert "too long and thin" in result.output and "Traceback" not in result.output
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_signature_photo())
    result = runner.invoke(args=["packer", "add", "Åse Lind", "--display-name", "Åse",
                                 "--badge", "B-1", "--signature", str(photo)])
    assert result.exit_code == 0, result.output
    assert counts(app)[1] == 1
