# Entry points: `make demo` and `make test` set up everything they need, then run.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOCAL_PG_PORT ?= 54329
HOST ?= 127.0.0.1
PORT ?= 8000

# With no DATABASE_URL the project runs its own PostGIS cluster under var/.
ifeq ($(strip $(DATABASE_URL)),)
export DATABASE_URL := postgis://postgres@127.0.0.1:$(LOCAL_PG_PORT)/mapapp
export LOCAL_PG_PORT
DB_SETUP := localdb
endif

.PHONY: help demo test lint format setup system system-test venv vendor bundle messages localdb stop migrate load serve worker bench loadtest clean

help: ## List the make targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: setup migrate load ## Install everything, load the Osaka sample data and serve http://127.0.0.1:8000/ with an import worker
	@$(PY) manage.py create_demo_user
	bash scripts/worker.sh & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		HOST=$(HOST) PORT=$(PORT) bash scripts/demo-serve.sh

test: system-test venv vendor bundle messages $(DB_SETUP) ## Set up the same way, then check and run the whole test suite
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: venv ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

setup: system venv vendor bundle messages $(DB_SETUP)

messages: venv ## Compile the translation catalogues (locale/*/LC_MESSAGES/*.po)
	@if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then \
		$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules; fi

system: ## Install missing Debian/Ubuntu packages (PostGIS, GDAL, Node.js)
	@bash scripts/install-system-packages.sh

system-test:
	@bash scripts/install-system-packages.sh --with-browser

venv: $(VENV)/.installed ## Create the virtualenv with the pinned requirements

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

bundle: frontend/static/build/map.js ## Bundle the map's ES modules into one minified script (esbuild)

frontend/static/build/map.js: frontend/static/vendor/.installed $(wildcard frontend/static/frontend/js/*.js)
	bash scripts/bundle.sh

vendor: frontend/static/vendor/.installed ## Copy the npm front-end libraries into static files

frontend/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/vendor-static.sh
	touch $@

localdb: ## Start the project-local PostGIS cluster (only when DATABASE_URL is unset)
	@bash scripts/localdb.sh start

stop: ## Stop the project-local PostGIS cluster
	@bash scripts/localdb.sh stop

migrate: setup ## Apply database migrations
	$(PY) manage.py migrate --noinput

load: migrate ## Load the Osaka sample data (skips what is already loaded)
	$(PY) manage.py load_demo

serve: ## Serve without re-running the set-up
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: ## Run an import worker (IMPORT_WORKERS=N for more processes) without re-running the set-up
	bash scripts/worker.sh

clean: stop ## Remove the virtualenv, vendored files and local database
	rm -rf $(VENV) node_modules frontend/static/vendor var

bench: system-test venv vendor bundle ## Benchmark tiles, GeoJSON, imports (vs the raw-SQL floor, tipg, ogr2ogr) and the map on a slow phone (~25 min)
	$(MAKE) --no-print-directory load && mkdir -p var && set -o pipefail && $(PY) bench/answers.py | tee var/bench-answers.md
	bash bench/run.sh
	set -o pipefail && $(PY) bench/imports.py | tee var/bench-imports.md
	$(PY) bench/serializer.py | tee var/bench-serializer.md
	set -o pipefail && $(PY) bench/browser.py | tee var/bench-browser.md

loadtest: setup ## Spike test: 500+ residents, 20 staff and an editor against nginx and the production server (~5 min)
	@bash scripts/install-system-packages.sh --with-nginx
	bash bench/loadtest.sh
