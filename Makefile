# auditkit: `make run` starts the demo, `make test` runs the suite. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HTMX := auditkit/static/vendor/htmx.min.js

.PHONY: setup run test test-postgres lint bench clean

setup: $(INSTALLED) $(HTMX)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(HTMX): node_modules/.package-lock.json
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

run: setup
	$(VENV)/bin/auditkit demo

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/auditkit checklists validate

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules $(HTMX) build dist .pytest_cache
