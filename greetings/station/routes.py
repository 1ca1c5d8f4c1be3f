"""/station: set up a station, sign a packer in, scan, print."""

from flask import Blueprint

bp = Blueprint("station", __name__, url_prefix="/station")


@bp.get("/setup")
def setup():
    """Placeholder until the station pages land."""
    return "station setup"
