# The two commands: `make run` (start the app on the embedded default) and `make test`.
# Installs come from the lock file (uv.lock, made by uv): the same versions on every
# machine. `make lock` moves the lock to the newest releases pyproject.toml allows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV_VERSION := 0.13.9
UV := $(TOOLS)/bin/uv
# uv installs into .venv with the interpreter `python3` names, never one it downloads.
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# The suite runs on this many processes (pytest-xdist); 0 runs it in this one. Work
# stealing: an idle process takes tests queued for a busy one, so the suite does not end
# on one process running its last slow browser tests while the other waits.
TEST_WORKERS ?= 2

.PHONY: run demo test locked lint typecheck layers bench docs lock clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# --locked: fails when pyproject.toml and uv.lock disagree (run `make lock`).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --quiet
	@touch $@

$(VENV)/.test-extras: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra test --extra bench --quiet
	@touch $@ $(VENV)/.installed

# An editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set every start
# would compile the package again: compile it as a wheel's install would (changed files
# only, so `run` and `bench` redo it cheaply).
run: $(VENV)/.installed
	$(BIN)/python -m compileall -q src
	$(BIN)/wikivice serve

demo: $(VENV)/.installed
	$(BIN)/python -m compileall -q src
	$(BIN)/wikivice serve --demo

locked: $(UV)
	$(UV) lock --check

lint: $(VENV)/.test-extras
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test-extras
	$(BIN)/mypy

# The layers of docs/architecture.md (contracts in pyproject.toml).
layers: $(VENV)/.test-extras
	$(BIN)/lint-imports --no-cache

test: locked lint typecheck layers
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal --durations=30

bench: $(VENV)/.test-extras
	$(BIN)/python -m compileall -q src
	$(BIN)/python bench/run.py

docs: $(VENV)/.test-extras
	$(BIN)/wikivice settings --markdown > docs/settings.md
	$(BIN)/python -c "from wikivice.cli import cli_markdown; print(cli_markdown(), end='')" > docs/cli.md

lock: $(UV)
	$(UV) lock --upgrade

clean:
	rm -rf $(VENV) $(TOOLS) data artifacts .pytest_cache .mypy_cache .ruff_cache
