"""The app server's startup objects leave the garbage collector's walks (wsgi.py)."""

import gc

from greetings.ops.memory import freeze_startup_objects


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
