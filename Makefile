# README's two commands: `make run` (the app with demo data, embedded database and broker) and
# `make test` (the whole suite). A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --build-constraint build-constraints.txt
PYTEST_ARGS ?=

.PHONY: run test install stop bench

# pip 25.3 brought --build-constraint, which xstatic-bootstrap's old setup.py needs.
$(VENV)/.run-deps: requirements.txt build-constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.3"
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.txt
	$(PIP_INSTALL) -r requirements-test.txt
	touch $@

install: $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

test: $(VENV)/.test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The embedded PostgreSQL keeps running between commands so web, worker, beat and tests share it.
stop:
	$(BIN)/python -c "from config.embedded_postgres import stop_embedded_server as stop; print('embedded PostgreSQL stopped' if stop() else 'embedded PostgreSQL was not running')"

# Speed goals live here, not in timed tests: the client list with 10,000 clients, and a practice
# with 20 therapists and 100,000 appointments (calendar, availability, checkout, figures), and a
# 20-visit progress report rendered to PDF (time and peak memory).
bench: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python bench/client_list.py
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/report_render.py
