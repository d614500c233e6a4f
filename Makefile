# Two commands from a fresh clone: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-unit lint package deploy bench clean
STAGE ?= dev

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m devtools.local_stack

# Every tier: unit, api (Chalice's test client on moto), e2e (the local stack, Chromium) and deploy.
test: $(STAMP)
	$(PY) -m pytest

# The fast tier while editing: core and services on an in-memory store, no moto, no network.
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

# The deployment package (app, chalicelib, vendored PynamoDB) and the merged template, linted.
package: $(STAMP)
	$(PY) -m devtools.package --stage $(STAGE)
	$(VENV)/bin/cfn-lint build/$(STAGE)/package/sam.json

# Create or update the stage's tables, bucket and secret, then `chalice deploy` (needs AWS credentials).
deploy: $(STAMP)
	$(PY) -m devtools.deploy deploy --stage $(STAGE)

# Benchmarks (bench/): prints every table and rewrites BENCHMARKS.md; a few minutes, not part of `make test`.
bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app.py chalicelib
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r app.py chalicelib --severity-level medium
	$(PY) -m devtools.audit

clean:
	rm -rf $(VENV) build .pytest_cache
