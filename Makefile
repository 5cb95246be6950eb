# The two commands a newcomer needs: `make run` and `make test`.
# Each creates .venv when missing and installs the project with its extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# rbcl writes a copy of libsodium to $$TMPDIR on import; keep those in the tree and clean them.
export TMPDIR := $(CURDIR)/.tmp
export HYPOTHESIS_PROFILE ?= $(if $(CI),ci,dev)

.PHONY: run test bench lint typecheck vectors clean install postgres

$(STAMP): pyproject.toml
	@mkdir -p $(TMPDIR)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,formal]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(TMPDIR)
	$(BIN)/mcref check

# The PostgreSQL server the fog recovery-database tests start (installed when missing).
postgres:
	@tools/postgres.sh

# ruff and mypy --strict first (the conventions of DESIGN.md are checked, not hoped for).
test: $(STAMP) postgres lint typecheck
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -q tools/bench --benchmark-only --benchmark-columns=median,iqr,ops,rounds

lint: $(STAMP)
	$(BIN)/ruff check refimpl tests tools

typecheck: $(STAMP)
	$(BIN)/mypy

# Regenerate our own vectors under conformance/vectors/ (deterministic; tests check they match).
vectors: $(STAMP)
	$(BIN)/python tools/gen_vectors_crypto.py
	$(BIN)/python tools/gen_vectors_tx.py

# A non-editable install into a fresh venv, run from outside the checkout: mcref --version,
# mcref check and mcref conformance run must pass (spec/, data/, conformance/ as package data).
.PHONY: check-installed
check-installed:
	tools/check_installed.sh

clean:
	rm -rf $(VENV) $(TMPDIR) .pytest_cache .mypy_cache .ruff_cache
