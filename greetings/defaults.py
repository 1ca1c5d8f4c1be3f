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
# Per client address, on /webhooks/<slug>, counting only requests refused as 401 or 404
# (bad signature, unknown slug); past it those get 429. Correctly signed deliveries are
# never limited: shops disable a webhook after a few failed deliveries.
WEBHOOK_REFUSAL_RATELIMIT = "30 per minute;300 per hour"
# Deliveries that arrive while the database is unreachable are kept here (None: the
# folder `spool` in the instance folder) and applied once it is back; when it holds this
# many files or bytes, further ones get 503 with Retry-After.
WEBHOOK_SPOOL_DIR = None
WEBHOOK_SPOOL_MAX_FILES = 10_000
WEBHOOK_SPOOL_MAX_BYTES = 512 * 1024 * 1024
# Whether this process applies the spool in a background thread (None: yes, unless
# TESTING; gunicorn.conf.py starts it in each worker).
WEBHOOK_SPOOL_APPLIER = None
# Language of orders that carry none (WooCommerce) when the integration sets no default.
DEFAULT_LANGUAGE = "en"
LANGUAGES = list(text.LANGUAGES)
RETENTION_DAYS = 180
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_SYNCHRONOUS = "FULL"
# In an app server's worker a thread checkpoints the WAL this often (0: never), and its
# requests' commits checkpoint only past this many pages (~40 MB), the WAL's bound.
SQLITE_CHECKPOINT_SECONDS = 1.0
SQLITE_WAL_AUTOCHECKPOINT = 10_000
# Redis of the job queue and, unless RATELIMIT_STORAGE_URI says otherwise, of rate limits.
REDIS_URL = None
# None means: REDIS_URL when set (limits shared by every worker and server), else memory://.
RATELIMIT_STORAGE_URI = None
RATELIMIT_HEADERS_ENABLED = True
# Redis down: count in memory for a while rather than answer 500.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# hide_parameters and pool_pre_ping are enforced on top of these (greetings/__init__.py).
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
DATABASE_CONNECT_TIMEOUT = 5
# What a 503 (database unreachable) asks a client to wait before trying again, in seconds.
RETRY_AFTER_SECONDS = 5
# The largest body any route takes (image uploads, 10 MB), with room for form encoding:
# a chunked body is read at most this far; each route then applies its own limit.
REQUEST_MAX_BYTES = 11 * 1024 * 1024
# API bodies nested deeper than this are refused as unreadable (400).
JSON_MAX_DEPTH = 32
LOG_LEVEL = "INFO"
# /metrics answers a Bearer token equal to this, or any request that came in on
# METRICS_BIND (host:port, an internal listener gunicorn.conf.py adds); else 404.
METRICS_TOKEN = None
METRICS_BIND = None
# How many workers serve this app in one process tree (gunicorn.conf.py sets it).
SERVER_WORKERS = 1
# A demo (make run) may use a loopback base URL without a warning.
DEMO = False
# Strict-Transport-Security under an https PUBLIC_BASE_URL (one year).
HSTS_MAX_AGE = 365 * 24 * 3600
# What the cards print at the top, and an optional logo file (PNG) beside it.
BRAND_NAME = "Greetings"
BRAND_LOGO = None
# The accent of the pages (#rrggbb); text and buttons derive readable shades from it.
BRAND_ACCENT = "#0b57a4"
# Paper of a card unless a station says otherwise: a6, a5, a4, letter, thermal4x6.
INSERT_PROFILE = "a6"
# The card's design (greetings.cards.renderer.THEMES: warm, minimal); the console's brand
# settings override it, as they do BRAND_ACCENT, which the card uses as its accent colour.
CARD_THEME = "warm"
# Each server process keeps a helper process that renders the lower half of a browser
# station's card image beside it (greetings/cards/rasterhelper.py): ~8 ms less per A6
# card (p50), ~35 MB more per process. False: every card is drawn in the request's own process.
CARD_RASTER_HELPER = True
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

# Background jobs (Huey). Without REDIS_URL the queue is a SQLite file in the instance folder.
JOBS_QUEUE_NAME = "greetings"
JOBS_SQLITE_FILE = "jobs.sqlite"
# Threads per `worker` process: deliveries wait on the network, not on the CPU.
WORKER_THREADS = 4
# A SQLite queue is polled; an idle worker looks at most this often (Redis blocks instead).
JOBS_POLL_SECONDS = 0.25
# One worker holds the scheduler lease and renews it; another takes over once it runs out.
SCHEDULER_LEASE_SECONDS = 30
SCHEDULER_TICK_SECONDS = 1
# Finished periodic runs and delivered outbound events are kept this long, then pruned.
JOB_HISTORY_DAYS = 14
OUTBOUND_HISTORY_DAYS = 30

# Outbound events (signed webhooks to a CRM).
OUTBOUND_TIMEOUT_SECONDS = 10
# Seconds to wait after each failed attempt (the last one repeats) until DEAD_AFTER is over.
OUTBOUND_RETRY_SCHEDULE = [10, 60, 300, 1800, 3600, 7200, 14400, 28800]
OUTBOUND_DEAD_AFTER_SECONDS = 24 * 3600
# The sweep re-queues events that are due and unsent this long (a lost queue message).
OUTBOUND_SWEEP_SECONDS = 60
OUTBOUND_SWEEP_GRACE_SECONDS = 30
# http:// and private/loopback targets: for tests and closed networks only.
OUTBOUND_ALLOW_PRIVATE = False

# Insight (dashboard, worklist, digest).
# Words that put an answer on the manager's worklist whatever its rating (any language).
INSIGHT_ATTENTION_WORDS = [
    "damaged", "broken", "missing", "wrong", "leak",
    "beskadiget", "ødelagt", "i stykker", "mangler", "forkert",
    "beschädigt", "kaputt", "fehlt", "falsch",
    "skadad", "trasig", "saknas", "fel",
    "skadet", "knust", "feil",
]
# The worker brings the dashboard's roll-up up to date this often (pages do it too).
INSIGHT_REFRESH_SECONDS = 60
# The weekly digest goes by e-mail when this is set: smtp://[user:password@]host[:port]
# (add ?starttls=1 to upgrade the connection) or smtps://host[:port].
SMTP_URL = None
SMTP_TIMEOUT_SECONDS = 30
DIGEST_FROM = "greetings@localhost"
# The language of the digest e-mail (a job has no browser to ask).
DIGEST_LANGUAGE = "en"
# Addresses the digest goes to (a list, or comma-separated); empty: every active manager.
DIGEST_RECIPIENTS = []
