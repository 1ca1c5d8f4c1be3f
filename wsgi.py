"""WSGI entry point: `gunicorn wsgi:app`."""

from greetings import create_app
from greetings.cards.rasterhelper import helper_for_this_process
from greetings.ops.memory import freeze_startup_objects

app = create_app()
if app.config["CARD_RASTER_HELPER"]:
    # Started with the worker (it takes ~0.3 s), so its first card is drawn in two too.
    helper_for_this_process().warm()
# Every gunicorn worker imports this module: the app it made is out of the garbage
# collector's walks from here on (a full collection paused requests for ~190 ms).
freeze_startup_objects()
