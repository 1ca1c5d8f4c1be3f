"""/f/<token> (and /F/<TOKEN>, the upper-case form a QR code may carry)."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)
