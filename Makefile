# XBank — one command to run the demo, one to run the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# The demo runs with DEBUG off, as users meet it (friendly 404/403/500 pages in Chinese);
# developers get Django's debug pages with `make serve DEBUG=1`.
DEBUG ?= 0

.PHONY: demo test bench lint format migrate serve clean messages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

## make demo: install, migrate SQLite, load the demo data, serve on http://127.0.0.1:$(PORT)
demo: migrate
	$(PY) manage.py seed_demo --port $(PORT)
	XBANK_DEBUG=$(DEBUG) $(PY) manage.py serve --port $(PORT)

## make serve: the web server and the background worker, without reloading the demo data
serve: migrate
	XBANK_DEBUG=$(DEBUG) $(PY) manage.py serve --port $(PORT)

# Test-only peers (independent implementations the tests check against), pinned by the lockfile.
# Without npm the tests that need them are skipped (and fail under XBANK_STRICT=1, as in CI).
PEERS := peers/node_modules/.installed
$(PEERS): peers/package.json peers/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix peers --no-audit --no-fund --loglevel=error && touch $(PEERS); \
	else echo "npm not found: tests that need the test peers will be skipped"; fi

## make test: the whole suite (CI also runs it on PostgreSQL with DATABASE_URL set), on every
## core (pytest-xdist; TEST_WORKERS=0 runs it in one process). The demo tests are one unit of
## work (conftest.py): the demo is seeded once, by the worker that runs them.
TEST_WORKERS ?= auto
test: $(STAMP) $(PEERS)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --durations=15

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

## make messages: refresh the English catalog of the public pages
messages: $(STAMP)
	cd xbank && ../$(PY) ../manage.py makemessages -l en --ignore=locale
	$(PY) xbank/locale/translate_en.py
	cd xbank && ../$(PY) ../manage.py compilemessages -l en

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var peers/node_modules
