# The two commands the README opens with, and the little they need.
# The virtualenv's interpreter: the distribution's python3 when it is 3.11+ with venv (Debian builds it with
# PGO and LTO and links libpython in statically: the intake ran ~20% faster on it than on pyenv's default
# build, see README "Performance"), else the first python3 on PATH. `make PYTHON=...` overrides.
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
                   2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test install bytecode lock packages test-packages stack-up stack-down

UV := uv==0.13.8

# Every dependency at the version requirements.lock pins (the same in CI and on every machine); the project
# itself without its own resolution. Re-run whenever the lock or pyproject.toml changes. Installed by uv, which
# fetches in parallel: 10 s for the whole lock on a fresh machine where pip took 48 s (both without a cache).
# Compiled to bytecode as installed: where PYTHONDONTWRITEBYTECODE is set (CI runners, this project's
# machines) every process would otherwise compile each module it imports from source, every time.
$(BIN)/kczg: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(UV)
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(BIN)/kczg

## The project's own modules compiled to bytecode (only what changed since): the services, CLIs and test
## workers start many processes, and without it each compiles what it imports (see above).
bytecode: $(BIN)/kczg
	$(BIN)/python -m compileall -q -j 0 contracts eventlog services kczg deploy bench tests

install: $(BIN)/kczg bytecode

## Re-resolve requirements.lock from pyproject.toml (after changing a dependency there), with uv in the venv.
lock:
	test -x $(BIN)/uv || $(BIN)/pip install -q $(UV)
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 -o requirements.lock -q

## The Debian packages the services use (deploy/debian-packages.txt), apt-installed when missing; where that
## cannot be done, one line says which and how (stdlib only: it runs before the venv exists).
packages:
	$(PYTHON) deploy/local/stack.py packages

## The same, plus Debian's Chromium for the public page's browser test.
test-packages:
	$(PYTHON) deploy/local/stack.py packages --tests

## Start Kafka + PostgreSQL + the mail sink (local, no Docker) and every service; prints where to go.
up: packages install
	$(BIN)/kczg up

## Run the whole test suite against a real broker and database (started here if none is given).
test: test-packages install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

stack-up: install
	$(BIN)/kczg stack up

stack-down: install
	$(BIN)/kczg stack down
