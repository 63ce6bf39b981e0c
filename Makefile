# The two commands the README opens with, and the little they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test install stack-up stack-down

$(BIN)/kczg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/kczg

install: $(BIN)/kczg

## Start Kafka + PostgreSQL (local, no Docker) and every service; prints where to go.
up: install
	$(BIN)/kczg up

## Run the whole test suite against a real broker and database (started here if none is given).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

stack-up: install
	$(BIN)/kczg stack up

stack-down: install
	$(BIN)/kczg stack down
