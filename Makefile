# One command per job. The virtualenv and its stamp files make every target work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test test-fast lint format typecheck check browser wrk translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-installed

translations: $(VENV)/.run-installed
	$(BIN)/pybabel compile --statistics -d web/translations

# The embedded default: SQLite under var/, projections in-process, no Redis, seeded demo data.
demo: $(VENV)/.run-installed translations
	$(BIN)/jgt demo --port $(PORT)

# Debian's chromium drives the browser tests (nothing is downloaded by a test tool), with a CJK font
# so that their screenshots show the Chinese pages as people see them.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  [ -d /usr/share/fonts/opentype/noto ] || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk >/dev/null; }

test: $(VENV)/.dev-installed translations browser
	$(BIN)/pytest -q

test-fast: $(VENV)/.dev-installed translations
	$(BIN)/pytest -q -m "not e2e and not slow"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

check: lint typecheck test

# The benchmarks drive gunicorn with wrk, from Debian's packages.
wrk:
	@command -v wrk >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: $(VENV)/.dev-installed wrk
	$(BIN)/python -m bench.append
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.command
	$(BIN)/python -m bench.dashboard

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
