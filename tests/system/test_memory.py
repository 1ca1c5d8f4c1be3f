"""The app server's startup objects leave the garbage collector's walks (wsgi.py)."""

import gc
import os
import subprocess
import sys
from pathlib import Path

from greetings.ops.memory import freeze_startup_objects
from tests.conftest import need

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


def test_the_app_servers_master_loads_the_card_fonts_before_it_forks(tmp_path):
    """gunicorn.conf.py's on_starting (in the master, before any worker exists) loads every
    face of the card, the CJK one too: each worker's first card with a CJK name loaded it
    inside that request (~0.3 s, and a full collection; docs/benchmarks.md)."""
    from greetings.cards.renderer import fonts

    need(fonts._find_cjk() is not None,
         "no CJK TrueType font (apt-get install fonts-droid-fallback)")
    probe = (
        "import runpy, types\n"
        "from greetings.cards.renderer import fonts\n"
        "conf = runpy.run_path('gunicorn.conf.py')\n"
        "before = fonts.cjk_loaded()\n"
        "master = types.SimpleNamespace(cfg=types.SimpleNamespace(workers=2),\n"
        "                               log=types.SimpleNamespace(info=lambda *a: None))\n"
        "conf['on_starting'](master)\n"
        "print(before, fonts.cjk_loaded(), fonts.covers(fonts.CJK, '李雷'))\n")
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = {**os.environ, "GREETINGS_INSTANCE_PATH": str(tmp_path),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["False", "True", "True"], done.stdout
