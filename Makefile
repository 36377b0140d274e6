# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: run test lint typecheck unit e2e bench screenshots clean help

help:
	@echo "make run   - install, migrate, load demo data, start web + Celery worker + beat on :8000"
	@echo "make test  - lint, type-check and run the whole test suite"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) --upgrade pip

# Stamps: reinstall only when a lock file changes, so a second `make run` starts in seconds.
$(VENV)/.run-deps: requirements.lock | $(PY)
	$(BIN)/pip install $(PIP_QUIET) -r requirements.lock
	@touch $@

$(VENV)/.dev-deps: requirements-dev.lock | $(PY)
	$(BIN)/pip install $(PIP_QUIET) -r requirements-dev.lock
	@touch $@ $(VENV)/.run-deps

run: export DEBUG ?= 1
run: $(VENV)/.run-deps
	@mkdir -p .data
	@test -f .data/development.env || { \
	  echo "# Written by make run for this checkout only; delete .data to start afresh."; \
	  echo "DEBUG=1"; \
	  echo "SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	} > .data/development.env
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py load_curriculum
	$(PY) manage.py load_quizzes
	$(PY) manage.py load_scenarios
	$(PY) manage.py seed_demo_activity
	@echo
	@echo "  Open http://127.0.0.1:8000 and sign in with one of the accounts above."
	@echo "  Web server, Celery worker and beat are starting. Press Ctrl-C to stop them all."
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(PY) scripts/run_dev.py Procfile.dev

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-deps
	DEBUG=1 $(BIN)/mypy .

unit: $(VENV)/.dev-deps
	$(BIN)/pytest -m "not e2e"

e2e: $(VENV)/.dev-deps
	$(BIN)/pytest -m e2e

test: lint typecheck
	$(BIN)/pytest

# Retakes the README's pictures (docs/screenshots/) from the running product in Chromium.
screenshots: $(VENV)/.dev-deps
	README_SCREENSHOTS=1 $(BIN)/pytest -q -m e2e tests/e2e/test_readme_screenshots.py

clean:
	rm -rf $(VENV) .data staticfiles .pytest_cache .mypy_cache .ruff_cache
