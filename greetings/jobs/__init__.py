"""Background work on Huey: the queue, the jobs it runs, and the periodic schedule.

The web app only enqueues (`enqueue("outbound.deliver", event_id)`); `flask --app greetings
worker` runs the jobs. Every job and every periodic job is listed in `greetings/tasks.py`
(handed to the queue by `create_app`); adding one is a line there. What must never be lost
is written to the database first: the queue only carries the work, so a lost message
delays, never loses.
"""

from .queue import JobQueue, enqueue, init_app, queue_of
from .schedule import Periodic, setting_on

__all__ = ["JobQueue", "Periodic", "enqueue", "init_app", "queue_of", "setting_on"]
