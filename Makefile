# The two commands of the README, plus lint. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

## make demo: install, migrate, seed the demo data once, serve http://127.0.0.1:8000 with a worker
demo: $(VENV)/.installed
	$(BIN)/xiaodian demo

## make test: the whole suite (SQLite, or PostgreSQL when XIAODIAN_DATABASE_URL is set), in two
## processes (pytest-xdist; each has its own test database); TEST_WORKERS=0 runs it in one
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/pytest -q -p no:warnings -n $(TEST_WORKERS)

## make lint: ruff (lint + format), the import-layer contract, and mypy (django-stubs) over every
## app's services.py, selectors.py and rules.py (the `files` globs of [tool.mypy] in pyproject.toml)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
