"""WSGI entry point: `gunicorn wsgi:app`."""

from greetings import create_app

app = create_app()
