# auditkit: `make run` starts the demo, `make test` runs the suite. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HTMX := auditkit/static/vendor/htmx.min.js
# What WeasyPrint needs to make the report PDFs (.ci/run installs the same).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

.PHONY: setup run test lint bench clean

setup: $(INSTALLED) $(HTMX)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@$(PY) -c 'from auditkit.reports.pdf import pdf_available; ok, why = pdf_available(); ok or print("Warning:", why, "On Debian: apt-get install $(PDF_PACKAGES)")'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(HTMX): node_modules/.package-lock.json
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

run: setup
	$(VENV)/bin/auditkit demo

# Tests run on one worker per CPU (at most 4), a test file per worker (the fault-injection
# module shares one live server and judges all its runs together); PYTEST_WORKERS=0 runs
# them in one process.
PYTEST_WORKERS ?= auto
test: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 --dist loadfile $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/auditkit checklists validate

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules $(HTMX) build dist .pytest_cache
