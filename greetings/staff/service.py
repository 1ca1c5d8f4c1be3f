"""Staff logins: hashed passwords, throttled sign-in, sessions that end for real."""

from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, login
from ..models import User
from . import throttle
from .roles import ROLES, Role, admin_required, manager_required, role_required

__all__ = ["ROLES", "Role", "SignIn", "admin_required", "authenticate", "create_user",
           "end_sessions", "load_user", "manager_required", "role_required"]

@cache
def _dummy_hash() -> str:
    """A hash to check against when the e-mail is unknown, so both paths cost one check.

    Made on first use, not at import: scrypt takes ~0.2 s, and every process (each
    gunicorn worker, each CLI command) imports this module.
    """
    return generate_password_hash("not a password")

login.login_message = _l("Please sign in to open that page.")
login.login_message_category = "info"


@login.user_loader
def load_user(alternative_id: str):
    """Return the signed-in user for Flask-Login, if the session's version is current.

    The session holds "<user id>:<session version>" (User.get_id); signing out raises the
    version, so a copy of the cookie taken before the sign-out finds no user.
    """
    user_id, _, version = alternative_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def create_user(email: str, password: str, role: Role | str) -> User:
    """Add a new staff user with a salted password hash (the caller commits)."""
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"role is one of {', '.join(Role)}") from None
    if len(password) < 10:
        raise ValueError("a password has at least 10 characters")
    user = User(email=email.strip().lower(), password_hash=generate_password_hash(password),
                role=Role(role).value)
    db.session.add(user)
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or how long this client must wait."""

    user: User | None = None
    wait_seconds: int = 0


def authenticate(email: str, password: str, address: str | None) -> SignIn:
    """Check an e-mail and password from a client address, slowing down repeated failures.

    Three counts grow with each failure: the client address (one client trying many
    accounts), the account (many clients trying one), and the pair. A client waits for
    its address and the pair, and for the account only once it has itself used up the
    free failures on it: a client that has not failed always gets its password checked,
    so no stranger can keep the account's owner out, and an owner's typo on an account
    under attack costs no more than any typo.
    """
    email = email.strip().lower()
    address = address or "unknown"
    by_address = throttle.throttle_key("staff-address", address)
    by_account = throttle.throttle_key("staff-account", email)
    by_pair = throttle.throttle_key("staff-pair", email, address)
    keys = [by_address, by_pair]
    if throttle.failures_of(by_pair) >= throttle.FREE_FAILURES:
        keys.append(by_account)
    wait = throttle.seconds_to_wait(*keys)
    if wait:
        return SignIn(wait_seconds=wait)
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email)).scalar_one_or_none()
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        user = None
    elif not check_password_hash(user.password_hash, password):
        user = None
    if user is None:
        throttle.record_failure(by_address, by_account, by_pair)
        return SignIn()
    # The owner's success clears what this client failed (a colleague behind the same
    # office address starts clean), never the account's count: an attack goes on counting.
    throttle.forget(by_pair, by_address)
    return SignIn(user=user)


def end_sessions(user: User) -> None:
    """End every session of this user, on every browser and every copy of its cookie.

    The caller commits.
    """
    user.session_version += 1


class StaffChangeRefused(ValueError):
    """A change that would leave no active admin (nobody could manage staff or tokens)."""


def list_users() -> list[User]:
    """Return every staff user, by e-mail."""
    return list(db.session.execute(select(User).order_by(User.email)).scalars())


def _other_active_admins(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)).scalar_one()


def set_role(user: User, role: Role | str) -> None:
    """Give a staff user another role; the last active admin keeps theirs."""
    role = Role(role)
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user):
        raise StaffChangeRefused("the last active admin stays an admin")
    user.role = role.value


def set_user_active(user: User, active: bool) -> None:
    """Switch a staff login off (its sessions end at once) or on again (the caller commits)."""
    if not active and user.role == Role.ADMIN and user.active and not _other_active_admins(user):
        raise StaffChangeRefused("the last active admin cannot be switched off")
    if user.active and not active:
        end_sessions(user)
    user.active = bool(active)
