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

clean:
	rm -rf $(VENV) loadtests/out
