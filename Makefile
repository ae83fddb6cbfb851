# leadqual: everything a fresh machine with python3 and node needs goes through these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

# Debian's Chromium for the console's browser tests (tests/e2e/test_console.py drives it headless).
CHROMIUM ?= /usr/bin/chromium

.PHONY: browser screenshots venv demo test lint typecheck unit integration e2e infra synth model openapi bench bench-model bench-crm loadtest serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e '.[scoring,crm,train,local,infra,dev]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed

venv: $(STAMP)

# Installs Chromium when it is missing and we may (root, as CI is); otherwise says what to install,
# and the browser tests fail with the same words (they never skip).
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "The browser tests need Chromium: sudo apt-get install chromium chromium-driver (or set CHROMIUM=/path/to/chromium)"; \
	fi

demo: $(STAMP)
	$(BIN)/leadqual demo

# With sample leads (reviews in the console's inbox, outcomes in its reports); SERVE_FLAGS= for an empty one.
SERVE_FLAGS ?= --sample
serve: $(STAMP)
	$(BIN)/leadqual serve $(SERVE_FLAGS)

# Speed and memory next to bare baselines measured in the same run; never part of `make test`.
bench: $(STAMP) browser
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/scoring_compute.py
	CHROMIUM=$(CHROMIUM) $(BIN)/python bench/console.py
	$(BIN)/python -m bench.slack

# leadqual's model beside LightGBM (defaults and tuned) and its own baseline and reference, on the
# bundled history and on outbound calls with other shapes; LightGBM is installed for this only.
$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench-model: $(VENV)/.bench-installed
	$(BIN)/python bench/model.py

# CRM sync against the HubSpot stand-in: routed -> written p50/p95 beside no CRM, and a 1,000-lead burst.
bench-crm: $(STAMP)
	$(BIN)/python bench/crm_sync.py

# 10,000 leads through a real `leadqual serve` from 16 clients, then every lead reconciled; never part of `make test`.
loadtest: $(STAMP)
	$(BIN)/python bench/loadtest.py

# PNGs of the console (inbox, a lead's page, reports) on sample leads, for the README; in headless Chromium.
screenshots: $(STAMP) browser
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m leadqual_tools.screenshots --out docs/screenshots
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m leadqual_tools.sdr_day_screenshots --out docs/screenshots/sdr-day

# The API contract, generated from the routes; `make test` fails while docs/openapi.json is stale.
openapi: $(STAMP)
	$(BIN)/leadqual openapi --out docs/openapi.json

model: $(STAMP)
	$(BIN)/leadqual train --version 2026-11-27-2 --promote

lint: $(STAMP)
	$(BIN)/ruff check functions infra training tools tests bench
	$(BIN)/ruff format --check functions infra training tools tests bench
	$(BIN)/python -m leadqual_tools.import_cycles

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

integration: $(STAMP)
	$(BIN)/pytest tests/integration -q

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e -q

infra: $(STAMP)
	$(BIN)/pytest tests/infra -q

synth: $(STAMP) node_modules/.installed
	npx cdk synth --quiet

test: lint typecheck $(STAMP) node_modules/.installed browser
	$(BIN)/pytest -q
	npx cdk synth --quiet
	@echo "cdk synth with cdk-nag (AwsSolutions + Serverless): no unacknowledged findings"

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
