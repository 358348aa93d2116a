# One entry point for humans and CI: `.ci/run` calls `make test` exactly as a developer would.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 4010
SPEC ?= openapi/openapi.yaml

.PHONY: install serve test lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

serve: install
	$(BIN)/mockserver serve $(SPEC) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Benchmark (bench/): our mock vs Prism vs a bare-Starlette ceiling under wrk. Targets are
# reported as PASS/MISS, never asserted. `make bench DURATION=10` sets seconds per scenario.
DURATION ?= 10

.PHONY: bench bench-smoke

bench: install
	$(BIN)/python -m bench --duration $(DURATION)

bench-smoke: install
	$(BIN)/python -m bench --smoke
