# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app greetings
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench translations screenshots

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)
	if [ -d greetings/translations ]; then $(VENV)/bin/pybabel compile -d greetings/translations; fi

# The web server and the background worker together; Ctrl-C stops both. The worker runs in
# its own session, so the terminal's Ctrl-C reaches only the web server; the trap then
# sends the worker one SIGTERM, and it finishes the job at hand before it exits.
# The demo may use a loopback PUBLIC_BASE_URL without the start-up warning.
run: export GREETINGS_DEMO = true
run: install
	$(FLASK) init-db
	$(FLASK) demo
	@echo "Background worker started beside the web server (logs below; Ctrl-C stops both)."
	@setsid $(FLASK) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(VENV)/bin/ruff check greetings tests bench wsgi.py gunicorn.conf.py

# Two pytest-xdist workers: the tests spend much of their time waiting on the servers and
# browsers they start, so two processes overlap well on two cores (CI has two). Each file
# runs whole on one worker (--dist loadfile), so its module-scoped servers start once.
# `make test PYTEST_WORKERS=0` runs everything in one process.
PYTEST_WORKERS ?= 2
test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

bench: install
	$(PY) bench/intake.py

# After changing user-facing text: refresh the catalogs, then translate the new entries.
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -w 100 -o /tmp/messages.pot .
	$(VENV)/bin/pybabel update -i /tmp/messages.pot -d greetings/translations -w 100 --ignore-obsolete

# Render every page (console, station, the customer's phone) to docs/screenshots/.
screenshots: install
	$(PY) -m tests.ui.screenshots
