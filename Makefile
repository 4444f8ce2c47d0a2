# The two set-up commands: `make serve` and `make test` (both create .venv on first use).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 9200
GRPC_PORT ?= 18080
WORKERS ?= auto

.PHONY: serve test lint typecheck fuzz load bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	rm -f $(VENV)/.installed-*
	touch $@

serve: $(STAMP)
	$(BIN)/workflow-emulator serve --host $(HOST) --port $(PORT) --grpc-port $(GRPC_PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) -q -p no:randomly

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
	$(BIN)/python loadtests/run_load.py --users $(LOAD_USERS) --spawn-rate $(LOAD_SPAWN_RATE) \
	  --run-time $(LOAD_TIME) --max-p95-ms $(LOAD_P95_MS) --max-fail-ratio $(LOAD_FAIL_RATIO)

bench: $(STAMP)
	$(BIN)/python loadtests/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) loadtests/out
