# PMIP — the two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip --disable-pip-version-check -q
HOST  ?= 127.0.0.1
PORT  ?= 8000
PYTEST_ARGS ?= -n auto  # parallel (pytest-xdist); `make test PYTEST_ARGS=` runs serially
# Tests run in random order (pytest-randomly, active whenever installed): the header prints the seed; repeat
# an order with `make test PYTEST_ARGS="-n auto --randomly-seed=N"`, switch it off with `-p no:randomly`.
COV_ARGS ?= --cov --cov-report=  # coverage measured (pytest-cov), its total printed after the run; `make test COV_ARGS=` skips it
DEMO_SCALE ?= small
export PMIP_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test fuzz install install-test lint check migrate demo serve worker bench clean cluster cluster-stop cluster-test k8s-validate image

run: install migrate demo ## install, migrate, load the demo city, serve
	@$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py pmip_banner --host $(HOST) --port $(PORT)
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) scripts/serve.sh

test: install-test ## lint, boundary, type and migration checks, then the whole suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy  # files and strictness: [tool.mypy] in pyproject.toml
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS) $(COV_ARGS)
	@if [ -n "$(strip $(COV_ARGS))" ]; then printf 'coverage (lines of pmip, pmip_verify, config): '; \
	  $(VENV)/bin/coverage report --format=total; fi

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

cluster: install ## the production shape here: PostgreSQL primary + replica, Redis, app nodes, workers, HAProxy
	$(PY) scripts/cluster.py up

cluster-stop: ## stop everything `make cluster` started
	$(PY) scripts/cluster.py down

cluster-test: install ## chaos test through the cluster (CLUSTER_LIGHT=1: the CI size)
	$(PY) scripts/cluster.py test $(if $(CLUSTER_LIGHT),--light)

k8s-validate: install-test ## render (kubectl kustomize when present) and validate the Kubernetes manifests offline
	$(PY) scripts/validate_k8s.py

image: ## build the OCI image with podman or docker, whichever works here
	@if command -v podman >/dev/null && podman info >/dev/null 2>&1; then podman build -f deploy/Containerfile -t pmip:dev .; \
	elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then docker build -f deploy/Containerfile -t pmip:dev .; \
	else echo "no working OCI build tool (podman/docker) on this machine"; exit 1; fi

lint: install-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports --no-cache && $(VENV)/bin/mypy

bench: install-test
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3 staticfiles
