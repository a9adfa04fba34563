# storykit: `make run` builds output/ from seeds/; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ACE := tools/ace/node_modules/.bin/ace-cli

.PHONY: run test setup setup-test system system-test bytecode lint typecheck bench clean

run: setup
	$(VENV)/bin/storykit build seeds/ -o output/

test: setup-test
	$(PY) -m ruff check storykit tests
	$(PY) -m mypy
	$(PY) -m pytest

setup: system $(INSTALLED) bytecode

setup-test: system-test $(INSTALLED) $(ACE) bytecode

# Byte-compile storykit once, as a wheel install would: an editable install under
# PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run (0.2 s a build).
bytecode: $(INSTALLED)
	@$(PY) -m compileall -q storykit

system:
	@scripts/system-deps.sh run

system-test:
	@scripts/system-deps.sh test

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

$(ACE): tools/ace/package.json
	cd tools/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(PY) -m ruff check storykit tests

typecheck: setup
	$(PY) -m mypy

bench: setup
	@scripts/system-deps.sh bench
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) tools/ace/node_modules output/*.pdf output/*.epub output/*.txt output/*.json
