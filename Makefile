# mediamon: `make run` runs the daily job on the embedded default; `make test` runs the tests.
PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
CAPTURE ?= include/mediamon/demo/exclusive
DATE    ?= 2024-09-08
AIRFLOW_PORT ?= 8080
EXECUTOR ?= local

.PHONY: install sysdeps run up down test bench lint format lock db-stop clean

install: $(VENV)/.installed

# The lock (constraints.txt) pins every package: Airflow's own constraints file cannot be
# downloaded here. Regenerate it with `make lock` after changing dependencies.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

run: install
	$(BIN)/mediamon run --capture $(CAPTURE) --date $(DATE)

# Airflow's services in the background on the same database as `make run`, replaying CAPTURE
# (`make up LIVE=1` fetches the live sites instead); `make down` stops exactly those.
# The default, EXECUTOR=local: the LocalExecutor runs sources side by side, CPU-bound tasks in
# pool cpu (one slot per core, MEDIAMON_CPU_SLOTS), fetch tasks in pool fetch (16,
# MEDIAMON_FETCH_SLOTS); parallelism is their sum.
# `make up EXECUTOR=celery`: the CeleryExecutor with two workers (queues fetch and default) on
# the machine's Redis (MEDIAMON_CELERY_BROKER, default redis://127.0.0.1:6379/0).
up: install
	$(if $(AIRFLOW_HOST),AIRFLOW_HOST=$(AIRFLOW_HOST)) $(BIN)/mediamon up --port $(AIRFLOW_PORT) \
	    $(if $(LIVE),--live,--capture $(CAPTURE)) --executor $(EXECUTOR)

down: install
	$(BIN)/mediamon down

# Debian packages the UI tests use: Chromium (browser test, driven by Playwright) and
# docker-compose (validates docker-compose.yaml; `config` needs no Docker engine). Installed
# when missing and we are root with apt-get; otherwise those tests skip and say why.
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 \
	  || missing="$$missing docker-compose"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing$$missing (apt-get)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $$missing >/dev/null; } \
	    || echo "could not install$$missing: the tests that need it skip"; \
	else echo "missing$$missing (needs root and apt-get): the tests that need it skip"; fi

# The tests run in TEST_WORKERS processes (pytest-xdist), each module whole in one of them (its
# module fixtures, e.g. a started Airflow stack, are built once); each process has its own
# Airflow metadata database and data folder (tests/conftest.py).
TEST_WORKERS ?= 2
test: install sysdeps
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Every bench script that follows the results contract (it takes --quick and writes
# bench/results/<name>.json), then one table of every result file present.
BENCH_SCRIPTS = $(shell grep -l -e '--quick' bench/bench_*.py)

bench: install
	@failed=""; for script in $(BENCH_SCRIPTS); do \
	  echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; \
	done; echo; $(BIN)/python bench/report.py; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install
	( echo "# Pinned environment for mediamon (pip freeze; used with pip install -c)."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^mediamon' ) > constraints.txt

db-stop: install
	$(BIN)/mediamon db stop

clean: down db-stop
	rm -rf var
