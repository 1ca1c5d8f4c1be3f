"""Running the service in production: input guards, logs, metrics, readiness, start checks.

`init_app` wires all of it; `register_gauge` (metrics) and `register_check` (readiness)
let other parts publish what only they can measure.
"""

from . import inputs, logs, metrics
from .metrics import observe_job, register_gauge
from .readiness import register_check

__all__ = ["init_app", "observe_job", "register_check", "register_gauge"]


def init_app(app):
    """Install the request guards, JSON logs with request ids, and request metrics.

    Call before blueprints are registered (the `int` converter is taken when a rule is added).
    """
    inputs.init_app(app)
    # After inputs: its hook goes first, so even a refused body's answer has a request id.
    logs.init_app(app)
    metrics.init_app(app)
