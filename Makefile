# riotjobs developer entry points. `make demo` and `make test` are the whole set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint fmt bench eval migration clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check riotjobs tests benchmarks scripts
	$(BIN)/ruff format --check riotjobs tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: install
	$(BIN)/ruff check --fix riotjobs tests benchmarks scripts
	$(BIN)/ruff format riotjobs tests benchmarks scripts

bench: install
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# Detection quality on the confounded sandbox league: EVAL_ARGS="--seeds 7,8,9 --plot pr.png"
eval: install
	$(BIN)/python scripts/eval_detection.py $(EVAL_ARGS)

# Autogenerate a migration from the models: make migration MSG="add x"
migration: install
	$(BIN)/python scripts/new_migration.py "$(MSG)"

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
