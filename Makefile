# The two commands: `make run` (start the app on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The suite runs on this many processes (pytest-xdist); 0 runs it in this one.
TEST_WORKERS ?= 2

.PHONY: run demo test lint typecheck bench docs clean

$(BIN)/wikivice: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-extras: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@ $(BIN)/wikivice

# An editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set every start
# would compile the package again: compile it as a wheel's install would (changed files
# only, so `run` and `bench` redo it cheaply).
run: $(BIN)/wikivice
	$(BIN)/python -m compileall -q src
	$(BIN)/wikivice serve

demo: $(BIN)/wikivice
	$(BIN)/python -m compileall -q src
	$(BIN)/wikivice serve --demo

lint: $(VENV)/.test-extras
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test-extras
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: $(VENV)/.test-extras
	$(BIN)/python -m compileall -q src
	$(BIN)/python bench/run.py

docs: $(VENV)/.test-extras
	$(BIN)/wikivice settings --markdown > docs/settings.md
	$(BIN)/python -c "from wikivice.cli import cli_markdown; print(cli_markdown(), end='')" > docs/cli.md

clean:
	rm -rf $(VENV) data artifacts .pytest_cache .mypy_cache .ruff_cache
