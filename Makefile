# The two set-up commands: `make serve` and `make test` (both create .venv on first use).
# `make serve` installs only what serving needs; `make test` adds the test and dev extras.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
SERVE_STAMP := $(VENV)/.serve-$(SUM)
STAMP := $(VENV)/.test-$(SUM)
PIP := $(BIN)/python -m pip install -q -q --disable-pip-version-check --no-input
WORKERS ?= auto
# host and ports come from the environment (EMULATOR_HOST, EMULATOR_PORT, EMULATOR_GRPC_PORT) or
# make's command line (`make serve PORT=9300`); unset, the emulator's own defaults apply
SERVE_ARGS := $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT)) $(if $(GRPC_PORT),--grpc-port $(GRPC_PORT))

.PHONY: serve test lint typecheck fuzz load bench soak dist clean browser

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	rm -f $(VENV)/.serve-*
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test,dev]'
	rm -f $(VENV)/.test-* $(VENV)/.serve-*
	touch $@ $(SERVE_STAMP)

# the package's bytecode, written before a run: an editable install leaves none, and where
# PYTHONDONTWRITEBYTECODE is set (CI images often do) every process that starts the emulator would
# compile ~90 modules again (a third of its start: 0.64 s -> 0.42 s to the first answer, make bench);
# a stale file is never used (Python checks the source's mtime), and an up-to-date run costs ~50 ms
BYTECODE = $(BIN)/python -m compileall -q -j 0 emulator >/dev/null

serve: $(SERVE_STAMP)
	@$(BYTECODE)
	$(BIN)/workflow-emulator serve $(SERVE_ARGS)

test: $(STAMP) browser
	@$(BYTECODE)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup -q -p no:randomly

# the wheel and sdist (both carry the OpenAPI contracts) under dist/
dist: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m build --outdir dist . >/dev/null
	@ls dist

# The dashboard's browser tests (tests/ui) drive Debian's Chromium through Playwright, never a downloaded
# browser: install it when missing and we may (root with apt-get); otherwise those tests skip (fail in CI).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "note: $(CHROMIUM) is missing (apt-get install chromium); the dashboard's browser tests will skip"; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check emulator tests contracts loadtests
	$(BIN)/mypy emulator

# Load testing (README "Load testing"): a bounded headless locust run with pass/fail thresholds,
# and the side-by-side benchmark against a bare Starlette baseline.
LOAD_USERS ?= 50
LOAD_SPAWN_RATE ?= 25
LOAD_TIME ?= 30s
LOAD_P95_MS ?= 500
LOAD_FAIL_RATIO ?= 0.01
BENCH_ARGS ?=

load: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python loadtests/run_load.py --users $(LOAD_USERS) --spawn-rate $(LOAD_SPAWN_RATE) \
	  --run-time $(LOAD_TIME) --max-p95-ms $(LOAD_P95_MS) --max-fail-ratio $(LOAD_FAIL_RATIO)

bench: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python loadtests/bench.py $(BENCH_ARGS)

# Soak (issue #12): ordinary traffic over 200 tenants plus a hostile client replaying the hardening
# table; prints failures, p99 and RSS growth. `make soak SOAK_DURATION=60` for a shorter run.
SOAK_DURATION ?= 600
SOAK_ARGS ?=

soak: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python loadtests/soak.py --duration $(SOAK_DURATION) $(SOAK_ARGS)

# Contract fuzzing (README "Contract testing"): a deep schemathesis pass outside CI, ~1000 examples per
# operation and phase. In-process by default; FUZZ_URL=http://host:port fuzzes a live server instead
# (FUZZ_HEADER adds e.g. 'Authorization: Key ...' for Clarifai).
FUZZ_EXAMPLES ?= 1000
FUZZ_STATEFUL_EXAMPLES ?= 300
FUZZ_URL ?=
FUZZ_HEADER ?= Authorization: Key contract-test-pat

fuzz: $(STAMP)
ifeq ($(FUZZ_URL),)
	CONTRACT_MAX_EXAMPLES=$(FUZZ_EXAMPLES) CONTRACT_STATEFUL_EXAMPLES=$(FUZZ_STATEFUL_EXAMPLES) \
	  $(BIN)/python -m pytest contracts -n $(WORKERS) -q -p no:randomly
else
	$(BIN)/workflow-emulator contract-test --base-url $(FUZZ_URL) --api flow --max-examples $(FUZZ_EXAMPLES)
	$(BIN)/workflow-emulator contract-test --base-url $(FUZZ_URL) --api clarifai --header '$(FUZZ_HEADER)' \
	  --max-examples $(FUZZ_EXAMPLES)
endif

clean:
	rm -rf $(VENV) loadtests/out
