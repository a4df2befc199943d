# Every target bootstraps .venv itself, so a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test prove conformance difftest bench mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,oracle,bench,difftest]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests

prove: $(STAMP)
	$(PY) -m proofs

conformance: $(STAMP)
	CONFORMANCE_FULL=1 $(PY) -m pytest -q -n 2 tests/conformance tests/spec/test_conformance.py

difftest: $(STAMP)
	$(PY) -m difftest $(DIFFTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

mutation: $(STAMP)
	$(PY) -m difftest.mutation $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
