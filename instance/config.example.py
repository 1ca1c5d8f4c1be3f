# Copy to instance/config.py (git-ignored) and adjust. Environment variables prefixed
# GREETINGS_ override everything here, e.g. GREETINGS_DATABASE_URL.
# SECRET_KEY = "change me: python -c 'import secrets; print(secrets.token_hex(32))'"
# DATABASE_URL = "postgresql+psycopg://greetings:secret@db.internal/greetings"
# PUBLIC_BASE_URL = "https://greet.example.com"
# WEBHOOK_MAX_BYTES = 1024 * 1024
# RATELIMIT_STORAGE_URI = "redis://redis.internal:6379/0"
