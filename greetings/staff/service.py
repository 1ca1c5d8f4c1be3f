"""Checking staff passwords, with lockout after repeated failures."""

from datetime import timedelta
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, login
from ..models import Role, User, utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Compared against when the e-mail is unknown, so both paths cost one hash check.
_DUMMY_HASH = generate_password_hash("not a password")


@login.user_loader
def load_user(user_id: str):
    """Return the signed-in user for Flask-Login."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def create_user(email: str, password: str, role: Role | str) -> User:
    """Add a new staff user with a salted password hash (the caller commits)."""
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"role is one of {', '.join(Role)}") from None
    if len(password) < 10:
        raise ValueError("a password has at least 10 characters")
    user = User(email=email.strip().lower(), password_hash=generate_password_hash(password),
                role=role)
    db.session.add(user)
    return user


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """Return the user for a correct e-mail and password, or None and why not.

    Counts failures on the user (the caller commits): the fifth locks the login.
    """
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None, "wrong"
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return None, "locked"
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return None, "locked" if user.locked_until and user.locked_until > now else "wrong"
    user.failed_logins, user.locked_until = 0, None
    return user, None


def manager_required(view):
    """Let only a signed-in manager or admin through (others: sign-in page or 403)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login.unauthorized()
        if current_user.role not in (Role.ADMIN, Role.MANAGER):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
