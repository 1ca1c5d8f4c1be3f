"""Settings that must be right before the first request: refuse or warn at start.

A printed card carries PUBLIC_BASE_URL in its QR code for as long as the card exists,
so an empty one stops the app and a temporary-looking one (loopback, plain http) is
announced loudly; limits kept per worker are announced too.
"""

import ipaddress
import logging
from urllib.parse import urlsplit

from .readiness import memory_warning

log = logging.getLogger("greetings.settings")


class ConfigurationError(RuntimeError):
    """A setting the service cannot start with; the message says which and what to do."""


def check_public_base_url(url) -> list[str]:
    """Refuse an empty or unusable base URL; return warnings for a temporary-looking one."""
    url = (url or "").strip()
    if not url:
        raise ConfigurationError(
            "PUBLIC_BASE_URL is empty: set GREETINGS_PUBLIC_BASE_URL to the https address "
            "customers reach this service at (every printed QR code leads there, for good)")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            f"PUBLIC_BASE_URL must be an http(s) URL with a host name, not {url!r}")
    warnings = []
    if _is_loopback(parts.hostname):
        warnings.append(f"PUBLIC_BASE_URL {url} is a loopback address: phones cannot reach "
                        "the QR codes printed now, and a printed card cannot be recalled")
    elif parts.scheme == "http":
        warnings.append(f"PUBLIC_BASE_URL {url} is plain http: customers' answers travel "
                        "unencrypted, and printed cards keep that address for good")
    return warnings


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_at_start(app) -> None:
    """Refuse a base URL the cards cannot use; warn about risky settings (each app, once)."""
    config = app.config
    warnings = check_public_base_url(config.get("PUBLIC_BASE_URL"))
    if app.testing or config.get("DEMO"):
        warnings = []
    workers = int(config.get("SERVER_WORKERS") or 1)
    if config["RATELIMIT_STORAGE_URI"].startswith("memory:") and workers > 1:
        warnings.append(memory_warning(workers))
    for warning in warnings:
        log.warning("WARNING: %s", warning)
