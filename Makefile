# The two commands a newcomer needs: `make run` and `make test`.
# Each creates .venv when missing and installs the project with its extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# rbcl writes a copy of libsodium to $$TMPDIR on import; keep those in the tree and clean them.
export TMPDIR := $(CURDIR)/.tmp
export HYPOTHESIS_PROFILE ?= $(if $(CI),ci,dev)

.PHONY: run test bench lint typecheck vectors clean install postgres native

$(STAMP): pyproject.toml
	@mkdir -p $(TMPDIR)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,formal]'
	@touch $(STAMP)

install: $(STAMP)

# The optional C extensions (setup.py): rebuilt in place when a .c source or setup.py is newer
# than this interpreter's .so, so a stale build is never silently replaced by the Python
# fallback (refimpl/crypto/msm.py would ignore a build with the wrong VERSION;
# tests/unit/crypto/test_msm_native.py fails on a missing or stale one).
NATIVE_SOURCES := refimpl/crypto/_msm.c refimpl/crypto/_keccak.c
native: $(STAMP)
	@suffix=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'); \
	for src in $(NATIVE_SOURCES); do \
	  so=$${src%.c}$$suffix; \
	  if [ ! -e "$$so" ] || [ "$$src" -nt "$$so" ] || [ setup.py -nt "$$so" ]; then \
	    echo "rebuilding the C extensions: $$so is missing or older than its sources"; \
	    $(BIN)/python setup.py -q build_ext --inplace || exit 1; \
	    break; \
	  fi; \
	done

run: $(STAMP) native
	@mkdir -p $(TMPDIR)
	$(BIN)/mcref check

# The PostgreSQL server the fog recovery-database tests start (installed when missing).
postgres:
	@tools/postgres.sh

# ruff and mypy --strict first (the code conventions are checked, not hoped for).
test: $(STAMP) native postgres lint typecheck
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP) native
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -q tools/bench --benchmark-only --benchmark-columns=median,iqr,ops,rounds

lint: $(STAMP)
	$(BIN)/ruff check refimpl tests tools

typecheck: $(STAMP)
	$(BIN)/mypy

# Regenerate our own vectors under conformance/vectors/ (deterministic; tests check they match),
# then conformance/error-codes.json (from refimpl/errors.py) and conformance/MANIFEST.json (last:
# it holds the sha256 of every other file).
vectors: $(STAMP)
	$(BIN)/python tools/gen_vectors_crypto.py
	$(BIN)/python tools/gen_vectors_tx.py
	$(BIN)/python tools/gen_vectors_scp.py
	$(BIN)/python tools/gen_trace_corpus.py
	$(BIN)/python tools/gen_error_codes.py
	$(BIN)/python tools/gen_conformance_manifest.py

# dist/mc-refimpl-vectors-<version>.tar.gz: conformance/ with SHA256SUMS, built reproducibly.
.PHONY: vectors-dist
vectors-dist: $(STAMP)
	$(BIN)/python tools/vectors_dist.py

# A non-editable install into a fresh venv, run from outside the checkout: mcref --version,
# mcref check and mcref conformance run must pass (spec/, data/, conformance/ as package data).
.PHONY: check-installed
check-installed:
	tools/check_installed.sh

clean:
	rm -rf $(VENV) $(TMPDIR) .pytest_cache .mypy_cache .ruff_cache
