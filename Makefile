# The two commands (see README.md):
#   make run    set everything up and run the product on SQLite (http://127.0.0.1:5000)
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
MODELER    := web/static/vendor/modeler/modeler.js

.PHONY: run test setup chromium translations clean

run: setup
	$(BIN)/congressflow init
	$(BIN)/congressflow serve

test: setup chromium
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(PY_STAMP) $(NODE_STAMP) $(MODELER) translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The designer's modeler (bpmn-js + the properties panel), bundled from web/assets/.
$(MODELER): $(NODE_STAMP) $(wildcard web/assets/*.js)
	npm run --silent build

translations: $(PY_STAMP)
	@if ls web/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --use-fuzzy -d web/translations; fi

# Browser tests drive Debian's chromium; install it when missing and we may.
chromium:
	@scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) node_modules instance test-artifacts
