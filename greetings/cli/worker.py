"""`worker`: run background jobs until stopped (Ctrl-C or SIGTERM finish the job at hand)."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", type=int, default=None,
              help="jobs run at once (default: WORKER_THREADS, 4)")
@click.option("--verbose", is_flag=True, help="log every job, not only what goes wrong")
@with_appcontext
def worker(threads, verbose):
    """Run background jobs (outbound events, periodic jobs) until stopped."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Our own messages name events and endpoints by number only, never a secret or a
    # comment; Huey's say every task it runs, which only helps when looking for a problem.
    logging.getLogger("greetings").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("greetings.jobs").setLevel(logging.INFO)
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
    from ..jobs.worker import run_worker  # Huey's consumer: only the worker needs it

    app = current_app._get_current_object()
    run_worker(app, threads or int(app.config["WORKER_THREADS"]))
