# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app greetings
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)
	if [ -d greetings/translations ]; then $(VENV)/bin/pybabel compile -q -d greetings/translations; fi

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
