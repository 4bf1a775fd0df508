# README's two commands: `make run` (the app with demo data, embedded database and broker) and
# `make test` (the whole suite). A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --build-constraint build-constraints.txt
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core and one more, at most four (each has its own database).
# The browser, worker and race tests spend much of their time waiting on a server, a browser or a
# worker; the extra process uses the cores meanwhile (on 2 cores: 157 s against 185 s with two).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n + 1 > 4 ? 4 : n + 1 )))
# `make run PORT=8123` serves on another port (honcho gives the first process, web, this port).
PORT ?= 8000
, := ,
say = @printf '\n== %s  %s\n' "$$(date +%T)" '$(1)'

.PHONY: run test install stop bench

# pip 25.3 brought --build-constraint, which xstatic-bootstrap's old setup.py needs.
$(VENV)/.run-deps: requirements.txt build-constraints.txt
	$(call say,installing packages into $(VENV) (1 to 2 minutes on a first run with downloads; later runs skip this))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.3"
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.txt
	$(call say,installing the test packages (under a minute on a first run))
	$(PIP_INSTALL) -r requirements-test.txt
	touch $@

install: $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(call say,applying database migrations (a first run also creates the embedded database: about 10 s))
	$(BIN)/python manage.py migrate --noinput
	$(call say,creating demo data (a few seconds))
	$(BIN)/python manage.py seed_demo
	$(call say,starting web$(,) worker and beat: open http://127.0.0.1:$(PORT)/ (Ctrl-C stops them$(,) make stop stops the database))
	PATH="$(CURDIR)/$(BIN):$$PATH" REBOOK_SITE_URL="$${REBOOK_SITE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/honcho start -f Procfile.dev --port $(PORT)

test: $(VENV)/.test-deps
	$(call say,running the test suite ($(TEST_WORKERS) processes; under 3 minutes on an idle 2-core machine))
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses 4 $(PYTEST_ARGS)

# The embedded PostgreSQL keeps running between commands so web, worker, beat and tests share it.
stop:
	$(BIN)/python -c "from config.embedded_postgres import stop_embedded_server as stop; print('embedded PostgreSQL stopped' if stop() else 'embedded PostgreSQL was not running')"

# Speed goals live here, not in timed tests: the pages a practice uses all day on a practice with
# 20 therapists, 10,000 clients and 100,000 appointments beside 1,000 small practices (bench/pages.py,
# in databases of its own), the client list with 10,000 clients, a 20-visit progress report
# rendered to PDF (time and peak memory), the outbox end to end, and the owner's retention page.
bench: $(VENV)/.test-deps  # bench/outbox.py uses the tests' loopback SMTP server and workers
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/day_grid.py
	$(BIN)/python bench/client_list.py
	$(BIN)/python bench/report_render.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/retention.py
