# PMIP — the two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip --disable-pip-version-check -q
HOST  ?= 127.0.0.1
PORT  ?= 8000
PYTEST_ARGS ?= -n auto  # parallel (pytest-xdist); `make test PYTEST_ARGS=` runs serially
DEMO_SCALE ?= small
export PMIP_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test fuzz install install-test lint check migrate demo serve worker bench clean

run: install migrate demo ## install, migrate, load the demo city, serve
	@$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py pmip_banner --host $(HOST) --port $(PORT)
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) scripts/serve.sh

test: install-test ## lint, boundary and migration checks, then the whole suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

fuzz: install-test ## schemathesis against a live server on SQLite (owner and staff sessions): 0 5xx, 0 schema violations
	VENV=$(VENV) scripts/fuzz.sh

$(VENV)/.stamp-base: pyproject.toml
	@PYBIN=$$(scripts/find-python.sh) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then \
	    rm -rf $(VENV); echo "creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi
	$(PIP) install -e .
	@touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base
	$(PIP) install -e '.[test]'
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.stamp-base node_modules/.stamp
install-test: $(VENV)/.stamp-test node_modules/.stamp

migrate: install
	@mkdir -p $(PMIP_VAR_DIR)
	$(PY) manage.py migrate --noinput -v 0

demo: migrate ## load the demo city when the database has no projects yet
	$(PY) manage.py demo_city --scale $(DEMO_SCALE) --seed 1 --if-empty
	$(PY) manage.py demo_tendering --if-empty

worker: install ## background tasks (outbox delivery, meeting open/close) and the scheduler
	$(PY) manage.py periodic & $(PY) manage.py db_worker

lint: install-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports --no-cache

bench: install-test
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3 staticfiles
