"""Built-in configuration; instance/config.py and GREETINGS_* variables override it."""

from . import text

# None means: the SQLite file greetings.sqlite in the instance folder.
DATABASE_URL = None
# None means: a random key generated once and kept in the instance folder.
SECRET_KEY = None
PUBLIC_BASE_URL = "http://127.0.0.1:5000"
# Order bodies above this are refused with 413 before they are read any further.
WEBHOOK_MAX_BYTES = 1024 * 1024
# Standard Webhooks: deliveries whose timestamp is further off than this are refused.
WEBHOOK_TOLERANCE_SECONDS = 5 * 60
# Language of orders that carry none (WooCommerce) when the integration sets no default.
DEFAULT_LANGUAGE = "en"
LANGUAGES = list(text.LANGUAGES)
RETENTION_DAYS = 180
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_SYNCHRONOUS = "FULL"
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
# What the cards print at the top, and an optional logo file (PNG) beside it.
BRAND_NAME = "Greetings"
BRAND_LOGO = None
# The accent of the pages (#rrggbb); text and buttons derive readable shades from it.
BRAND_ACCENT = "#0b57a4"
# Paper of a card unless a station says otherwise: a6, a5, a4, letter, thermal4x6.
INSERT_PROFILE = "a6"
# Print the feedback URL (and its QR code) in upper case: a smaller QR code.
QR_UPPERCASE = True
# host:port of the CUPS server direct-printing stations use; None: the local default.
CUPS_SERVER = None
# One Limiter serves every app in a process: say it explicitly, or one app's setting
# would leak into the next.
RATELIMIT_ENABLED = True
# A public review page (Trustpilot and the like) offered on every thank-you page alike.
REVIEW_URL = None
FEEDBACK_EDIT_DAYS = 30
FEEDBACK_WALL_SIZE = 5
FEEDBACK_RATELIMIT_ADDRESS = "60 per minute;600 per hour"
FEEDBACK_RATELIMIT_TOKEN = "20 per minute;200 per day"  # noqa: S105 (limits per feedback token)
# Behind a load balancer: how many proxies set X-Forwarded-For/-Proto (0: none trusted).
PROXY_COUNT = 0
SESSION_COOKIE_SAMESITE = "Lax"
