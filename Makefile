# mediamon: `make run` runs the daily job on the embedded default; `make test` runs the tests.
PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
CAPTURE ?= include/mediamon/demo/exclusive
DATE    ?= 2024-09-08

.PHONY: install run test bench lint format lock db-stop clean

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

test: install
	$(BIN)/python -m pytest -q

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

clean: db-stop
	rm -rf var
