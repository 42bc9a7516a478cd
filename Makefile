# mediamon: `make run` runs the daily job on the embedded default; `make test` runs the tests.
PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
CAPTURE ?= include/mediamon/demo/exclusive
DATE    ?= 2024-09-08
AIRFLOW_PORT ?= 8080

.PHONY: install run up down test lint format lock db-stop clean

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
up: install
	$(BIN)/mediamon up --port $(AIRFLOW_PORT) $(if $(LIVE),--live,--capture $(CAPTURE))

down: install
	$(BIN)/mediamon down

test: install
	$(BIN)/python -m pytest -q

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
