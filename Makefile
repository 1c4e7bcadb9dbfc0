# The two commands of the README: `make serve` and `make test`.
# Everything else a fresh machine needs (a venv, the package, its test tools)
# is set up here, from PyPI, by the targets below.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The Python code: the package sira_kg/ and its two mapped subpackages (see pyproject.toml).
PY_DIRS := sira_kg loaders endpoint tests benchmarks scripts
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup serve test lint docs bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,docs,bench]'
	touch $@

setup: $(VENV)/.installed

serve: setup
	$(BIN)/sira-kg serve --store $(STORE) --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/python scripts/lint_imports.py
	$(BIN)/python -m pytest -q

# The page tests drive Debian's headless Chromium; installed (as root, with apt-get) if missing.
browser:
	scripts/install-browser

lint: setup
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/python scripts/lint_imports.py

docs: setup
	$(BIN)/python -m sira_kg.diagram docs/vocabulary.md
	$(BIN)/python -m sira_kg.docs docs/ontology

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var build dist docs/ontology .pytest_cache *.egg-info
