# The README's commands: `make repro` runs the pipeline, `make test` runs every test,
# `make check` proves that `dvc repro` brings back the committed dvc.lock and metrics/,
# `make test-fast` runs the tests that run no DVC pipeline (the edit loop), `make lint` ruff.
# Each creates .venv/ from requirements.txt first when it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: repro test check test-fast lint venv clean-venv

repro: $(STAMP)
	dvc repro

test: $(STAMP)
	python -m pytest -q

# other_cpu on a machine whose arithmetic differs from the one that committed (tolerances.yaml)
CHECK_PROFILE ?= same_machine

check: $(STAMP)
	dvc repro
	python scripts/check_reproduction.py --profile $(CHECK_PROFILE)

test-fast: $(STAMP)
	python -m pytest -q -m "not pipeline"

lint: $(STAMP)
	ruff check musiclust stages tests scripts

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
