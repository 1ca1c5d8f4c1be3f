"""Security headers on every answer: no third parties, no inline script, no framing by others."""

from flask import current_app

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    # The station prints a card from a hidden frame of our own (an srcdoc page holding
    # the card's image as a data: address, or a wave's PDF).
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
])


def add_security_headers(response):
    """Set CSP and the usual hardening headers, unless a view chose its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if str(current_app.config["PUBLIC_BASE_URL"]).startswith("https://"):
        # Browsers that once reached us over TLS never try plain http again.
        headers.setdefault("Strict-Transport-Security",
                           f"max-age={int(current_app.config['HSTS_MAX_AGE'])}")
    return response


def init_app(app):
    """Register the header hook."""
    app.after_request(add_security_headers)
