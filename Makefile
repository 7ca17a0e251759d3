# Two commands for a new user: `make run` and `make test`. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install run test test-fast bench train clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dask]"
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dask,test]"
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/krnews run samples --out outputs

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

bench: $(TEST_STAMP)
	$(BIN)/pip install -q -e ".[dask,test,bench]"
	$(BIN)/python bench/run_all.py

train: $(STAMP)
	$(BIN)/krnews train

clean:
	rm -rf $(VENV) build *.egg-info
