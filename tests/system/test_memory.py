"""The app server's startup objects leave the garbage collector's walks (wsgi.py)."""

import gc
import os
import subprocess
import sys
from pathlib import Path

from greetings.ops.memory import freeze_startup_objects

ROOT = Path(__file__).resolve().parents[2]


def test_the_objects_alive_at_startup_are_frozen_and_later_ones_are_not(app):
    try:
        frozen = freeze_startup_objects()
        made_later = {"a": [1]}
        assert frozen == gc.get_freeze_count() > 1000  # the app and its modules
        assert gc.is_tracked(made_later)  # a request's objects are still collected
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()  # the test process makes many apps: let them go
    assert gc.get_freeze_count() == 0


def test_the_app_server_entry_point_freezes_what_it_made(tmp_path):
    """What a gunicorn worker imports (`wsgi:app`) leaves its app out of the collector's
    walks: a full collection there walked ~190,000 objects (docs/benchmarks.md)."""
    probe = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    frozen, tracked = map(int, done.stdout.split()[-2:])
    assert frozen > 50_000, done.stdout
    assert tracked < frozen / 5, (frozen, tracked)  # what the collector still walks
