"""WSGI entry point: `gunicorn wsgi:app`."""

from greetings import create_app
from greetings.ops.memory import freeze_startup_objects

app = create_app()
# Every gunicorn worker imports this module: the app it made is out of the garbage
# collector's walks from here on (a full collection paused requests for ~190 ms).
freeze_startup_objects()
