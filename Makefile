# The two commands (see README.md):
#   make run    set everything up and run the product on SQLite (http://127.0.0.1:5000)
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
SERVER_STAMP := $(VENV)/.installed-server
LOCK       := requirements/lock.txt
PIP        := $(BIN)/python -m pip --quiet --disable-pip-version-check
NODE_STAMP := node_modules/.installed
MODELER    := web/static/vendor/modeler/modeler.js
CHARTS     := web/static/vendor/charts/charts.js

.PHONY: run test test-fast lint setup install chromium nginx translations clean

run: setup
	$(BIN)/congressflow init
	$(BIN)/congressflow serve

test: setup chromium nginx lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The quick loop while working: lint and types, then every test but the slow, browser and
# PostgreSQL ones, on both cores (under a minute on a 2-core machine).
test-fast: setup lint
	$(BIN)/pytest -n 2 -m "not slow and not browser and not postgres" $(PYTEST_ARGS)

# ruff (lint and format) and mypy (strict on engine/ and storage/), configured in pyproject.toml.
lint: setup
	$(BIN)/ruff check engine web storage tests bench
	$(BIN)/ruff format --check engine web storage tests bench
	$(BIN)/mypy

setup: $(PY_STAMP) $(NODE_STAMP) $(MODELER) $(CHARTS) translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The locked pip and setuptools first (the venv's own setuptools is old), then the package
# with its test extra, every dependency at its locked version, built by that setuptools.
$(PY_STAMP): setup.cfg pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) install --upgrade --constraint $(LOCK) pip setuptools
	$(PIP) install --no-build-isolation --constraint $(LOCK) --editable ".[test]"
	touch $@

# A production server's install (README "Production"): the package and its locked
# dependencies without the test tools (with the Redis client the sample settings use for the
# shared sign-in limits), the browser bundles, the compiled translations.
install: $(SERVER_STAMP) $(NODE_STAMP) $(MODELER) $(CHARTS)
	$(BIN)/pybabel compile --use-fuzzy -d web/translations

$(SERVER_STAMP): setup.cfg pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) install --upgrade --constraint $(LOCK) pip setuptools
	$(PIP) install --no-build-isolation --constraint $(LOCK) --editable ".[redis]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The designer's modeler (bpmn-js + the properties panel), bundled from web/assets/.
$(MODELER): $(NODE_STAMP) $(filter-out web/assets/charts.js,$(shell find web/assets -name '*.js' -o -name '*.json'))
	npm run --silent build:modeler

# The 统计 page's charts (ECharts), bundled from web/assets/charts.js.
$(CHARTS): $(NODE_STAMP) web/assets/charts.js
	npm run --silent build:charts

translations: $(PY_STAMP)
	@if ls web/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --use-fuzzy -d web/translations; fi

# Browser tests drive Debian's chromium; install it when missing and we may.
chromium:
	@scripts/ensure-chromium.sh

# The reverse-proxy test runs deploy/nginx.conf in a real nginx: Debian's binary, unpacked into
# .nginx/ when none is installed (no service, nothing outside the checkout).
nginx:
	@scripts/ensure-nginx.sh

clean:
	rm -rf $(VENV) $(TOOLS) .nginx node_modules instance test-artifacts build dist

# Maintenance: not needed by run or test (README: "Installing and upgrading dependencies").
.PHONY: lock audit wheel
TOOLS             := .tools
UV_VERSION        := 0.13.9
PIP_AUDIT_VERSION := 2.10.1
TOOLS_STAMP       := $(TOOLS)/.installed-uv$(UV_VERSION)-pip-audit$(PIP_AUDIT_VERSION)

# uv and pip-audit live in their own venv, apart from what the tests run with.
$(TOOLS_STAMP):
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip --quiet --disable-pip-version-check install \
		"uv==$(UV_VERSION)" "pip-audit==$(PIP_AUDIT_VERSION)"
	touch $@

# Recompile the lock from setup.cfg (and pip and setuptools for the venv): versions already
# pinned stay unless setup.cfg no longer allows them; `make lock UPGRADE=1` takes the newest
# versions setup.cfg allows. One lock for every platform and Python 3.11+.
lock: $(TOOLS_STAMP)
	printf 'pip\nsetuptools>=77,<85\n' | $(TOOLS)/bin/uv pip compile --quiet setup.cfg - \
		--all-extras --universal --python-version 3.11 \
		--python $(TOOLS)/bin/python --no-python-downloads \
		--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) --output-file $(LOCK)

# Known vulnerabilities of the locked versions, from PyPI's advisory data (needs pypi.org).
audit: $(TOOLS_STAMP)
	$(TOOLS)/bin/pip-audit --requirement $(LOCK) --no-deps --disable-pip --strict \
		--progress-spinner off $(AUDIT_ARGS)

# A wheel in dist/ with the compiled translations and the bundled modeler (see README).
wheel: setup
	$(PIP) wheel --no-deps --no-build-isolation --wheel-dir dist .
