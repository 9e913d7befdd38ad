# refugio: one entry point for setting up, checking and running the project. `.ci/run` calls `make test`.
#
#   make setup   Python venv (uv, locked), front-end packages (npm ci), Chromium and fonts (apt-get)
#   make demo    setup, then `refugio demo`
#   make test    setup, then `make check`
#   make check   ruff check, ruff format --check, mypy, lint-imports, pytest (in that order, stops at the first failure)
#                pytest runs in PYTEST_WORKERS parallel processes (pytest-xdist; default auto = one per core)
#   make lint    the static part of check
#   make fmt     format and autofix
#   make bench   run every benchmarks/*.py
#
# Setup is idempotent and quick once done: stamp files under .venv/ record each step, which runs again
# when its inputs change (pyproject.toml, uv.lock, package*.json) or what it installed has gone.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
APT_PACKAGES := chromium fonts-dejavu-core fonts-noto-core
HTMX := node_modules/htmx.org/dist/htmx.min.js
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
DEMO_ARGS ?=

STAMP_PYTHON := $(VENV)/.stamp-python
STAMP_NPM := $(VENV)/.stamp-npm
STAMP_SYSTEM := $(VENV)/.stamp-system

# Debian packages not installed (or chromium's binary gone); a step whose output is gone runs again.
APT_MISSING = $(shell for p in $(APT_PACKAGES); do \
	dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done)
SYSTEM_FORCE = $(if $(strip $(APT_MISSING))$(if $(wildcard /usr/bin/chromium),,x),FORCE)
NPM_FORCE = $(if $(wildcard $(HTMX)),,FORCE)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup demo test check lint fmt bench clean FORCE

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup: $(STAMP_PYTHON) $(STAMP_NPM) $(STAMP_SYSTEM)

$(STAMP_PYTHON): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) sync --extra dev --frozen
	@touch $@

$(STAMP_NPM): package.json package-lock.json $(NPM_FORCE) | $(STAMP_PYTHON)
	npm ci --no-audit --no-fund
	@touch $@

$(STAMP_SYSTEM): $(SYSTEM_FORCE) | $(STAMP_PYTHON)
	@missing="$(strip $(APT_MISSING))"; \
	if [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium"; fi; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null 2>&1; then \
			echo "warning: no apt-get; install these yourself: $$missing (browser tests and PDFs need them)" >&2; \
		else \
			echo "installing Debian packages: $$missing"; \
			$(SUDO) apt-get update -q; \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
		fi; \
	fi
	@touch $@

FORCE:

demo: setup
	$(BIN)/refugio demo $(DEMO_ARGS)

test: setup
	@$(MAKE) check

check: $(STAMP_PYTHON)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=30 $(PYTEST_ARGS)

lint: $(STAMP_PYTHON)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP_PYTHON)
	$(BIN)/ruff format
	$(BIN)/ruff check --fix

bench: setup
	@shopt -s nullglob; scripts=(benchmarks/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in benchmarks/ yet"; fi; \
	for script in "$${scripts[@]}"; do echo "== $$script"; $(BIN)/python "$$script"; done

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
