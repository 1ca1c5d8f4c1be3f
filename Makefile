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

run: install
	$(FLASK) init-db
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(VENV)/bin/ruff check greetings tests bench wsgi.py

test: lint
	$(PY) -m pytest

bench: install
	$(PY) bench/intake.py

# After changing user-facing text: refresh the catalogs, then translate the new entries.
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -w 100 -o /tmp/messages.pot .
	$(VENV)/bin/pybabel update -i /tmp/messages.pot -d greetings/translations -w 100 --ignore-obsolete

# Render every page (console, station, the customer's phone) to docs/screenshots/.
screenshots: install
	$(PY) -m tests.ui.screenshots
