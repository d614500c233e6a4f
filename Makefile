# Two commands from a fresh clone: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-unit lint package deploy destroy smoke bench clean
STAGE ?= dev
# checkov pins boto3 exactly (conflicting with requirements.txt), so it gets its own venv inside .venv.
CHECKOV_VENV := $(VENV)/checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(STAMP): requirements.txt requirements-cards.txt requirements-tokens.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

run: $(STAMP)
	$(PY) -m local.run

# Every tier: unit, api (Chalice's test client on moto), e2e (the local stack, Chromium) and deploy.
test: $(STAMP) $(CHECKOV_STAMP)
	$(PY) -m pytest

# The fast tier while editing: core and services on an in-memory store, no network, and moto unimportable.
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit -q -p tests.support.no_moto

# The deployment package (app, chalicelib, vendored PynamoDB) and the merged template, linted.
package: $(STAMP)
	$(PY) -m infra.build --stage $(STAGE)
	$(VENV)/bin/cfn-lint build/$(STAGE)/package/sam.json

# The complete stage as one CloudFormation stack polls-$(STAGE): shows the change set, asks (on a terminal, unless
# YES=1), deploys, publishes the site's files and prints where everything is. ALARM_EMAIL=<address> on the first
# deploy; SITE_URL, PARAMETERS="Key=Value ...", POWERTOOLS_LAYER_ARN optional; AWS_ENDPOINT_URL for moto's server.
deploy: $(STAMP)
	$(PY) -m ops.deploy deploy --stage $(STAGE)

# Delete the stack polls-$(STAGE); the tables, bucket, secrets and user pool are kept unless PURGE=1.
destroy: $(STAMP)
	$(PY) -m ops.deploy destroy --stage $(STAGE)

# End-to-end check of a deployed stage over HTTP: make smoke STAGE=dev API=<url> [SITE=<results site url>].
# The admin token comes from POLL_ADMIN_TOKEN, or else the stage's secret (AWS credentials needed).
smoke: $(STAMP)
	@test -n "$(API)" || { echo "usage: make smoke STAGE=dev API=<stage URL> [SITE=<results site URL>]"; exit 2; }
	$(PY) -m ops.smoke --stage $(STAGE) --api "$(API)" $(if $(SITE),--site "$(SITE)")

# Benchmarks (bench/): prints every table and rewrites BENCHMARKS.md; a few minutes, not part of `make test`.
bench: $(STAMP)
	$(PY) -m bench.run

# Static checks, then the dev stage's merged template through cfn-lint and checkov (builds the package).
lint: $(STAMP) $(CHECKOV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app.py chalicelib infra ops local
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r app.py chalicelib --severity-level medium
	$(PY) -m ops.dependency_audit
	$(PY) -m infra.build --stage dev
	$(VENV)/bin/cfn-lint build/dev/package/sam.json
	$(CHECKOV) -f build/dev/package/sam.json --framework cloudformation --compact --quiet --skip-download

clean:
	rm -rf $(VENV) build .pytest_cache
