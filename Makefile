# dectprov: the make targets engineers use. `make build` and `make test` work on a fresh
# clone with nothing installed but Python 3.11 or newer.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DECTPROV := $(BIN)/dectprov
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

.PHONY: build test validate plan check clean golden lint bench fuzz

build: $(INSTALLED)
	$(DECTPROV) build

validate: $(INSTALLED)
	$(DECTPROV) validate

plan: $(INSTALLED)
	$(DECTPROV) plan

check: $(INSTALLED)
	$(DECTPROV) check

test: $(TEST_INSTALLED)
	$(BIN)/python -m pytest --cov --cov-report=term

fuzz: $(TEST_INSTALLED)
	DECTPROV_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py tests/test_device_model.py -q

# ruff, at the version and with the rules pyproject.toml names.
lint: $(TEST_INSTALLED)
	$(BIN)/ruff check compiler tests bench

golden: $(TEST_INSTALLED)
	$(BIN)/python -m pytest tests/test_golden.py --update-golden -q

# The fleet benchmark (bench/RESULTS.md): 1,000 sites of 100 handsets by default;
# BENCH_ARGS="--sites 100" for a quick look.
bench: $(INSTALLED)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .coverage .hypothesis

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@
