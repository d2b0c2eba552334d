# llo-match. Targets bootstrap their own tools (uv, Kafka jars, FerretDB) and cache them in .cache/.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .cache/tools
UV := $(TOOLS)/uv-$(UV_VERSION)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3.11
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help demo test test-fast fuzz audit stack stack-down bench lint schemas sync chromium clean

help:
	@echo "make demo   - run all four services in one process with demo data (http://$(HOST):$(PORT)/catalogue/)"
	@echo "make test   - every test tier: unit, service, contract, integration (real Kafka + FerretDB), e2e, browser"
	@echo "make test-fast - unit, service and contract tests on the in-memory adapters only"
	@echo "make stack  - real local Kafka (KRaft) + FerretDB + each service as its own process"
	@echo "make fuzz   - schemathesis against the four OpenAPI documents, 2,000 cases per service"
	@echo "make audit  - pip-audit of the dependencies (LLO_AUDIT_STRICT=1: fail when advisories are unreachable)"
	@echo "make bench  - benchmarks in bench/ (JSON + markdown reports)"
	@echo "make lint   - ruff (check + format) and mypy over shared, src and every service"

$(UV):
	@echo "bootstrapping uv $(UV_VERSION) into $(TOOLS)" >&2
	@python3 -m venv $(TOOLS)/uv-$(UV_VERSION)
	@$(TOOLS)/uv-$(UV_VERSION)/bin/pip install -q "uv==$(UV_VERSION)"

.venv/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen
	@touch $@

sync: .venv/.synced

demo: sync
	$(UV) run --frozen llo demo --host $(HOST) --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: sync chromium audit
	$(UV) run --frozen pytest $(PYTEST_ARGS)

fuzz: sync
	LLO_FUZZ_CASES=2000 $(UV) run --frozen pytest tests/security/test_fuzz_openapi.py $(PYTEST_ARGS)

audit: sync
	$(UV) run --frozen python -m tests.security.dependency_audit

test-fast: sync
	$(UV) run --frozen pytest -m "not integration and not browser" $(PYTEST_ARGS)

stack: sync
	bash deploy/local/stack.sh up

stack-down:
	bash deploy/local/stack.sh down

bench: sync
	bash bench/run_all.sh

# One mypy run over every source tree, so each service is checked against the shared library's types.
lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy shared/src src $(wildcard services/*/src)

schemas: sync
	$(UV) run --frozen python -m llo.schemas docs/schemas

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
