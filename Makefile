# The README's commands: `make repro` runs the pipeline, `make test` runs every test,
# `make check` proves that `dvc repro` brings back the committed dvc.lock and metrics/ (both refuse a
# params.yaml with YAML aliases first, scripts/params_guard.py: DVC would expand them without bound),
# `make test-fast` runs the tests not marked slow or pipeline (the edit loop, under two minutes), `make lint` ruff.
# Each creates .venv/ first when it is missing or stale: requirements-dev.txt (the pinned runtime of
# requirements.txt, the Dask extra of requirements-dask.txt, pytest, ruff, check-jsonschema), musicnn's
# checkpoints of requirements-musicnn.txt (its files only, without TensorFlow), then this package in
# editable mode without its dependencies (pyproject.toml lists them as ranges; the pins above are what reproduces the results). Editing any of those files re-installs.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: repro test check test-fast lint venv clean-venv

repro: $(STAMP)
	python scripts/params_guard.py params.yaml
	dvc repro

test: $(STAMP)
	python -m pytest -q

# auto: chosen from the run-environment records (tolerances.yaml says how each profile compares)
CHECK_PROFILE ?= auto

check: $(STAMP)
	python scripts/params_guard.py params.yaml
	dvc repro
	python scripts/check_reproduction.py --profile $(CHECK_PROFILE)

test-fast: $(STAMP)
	python -m pytest -q -m "not slow and not pipeline"

lint: $(STAMP)
	ruff check musiclust stages tests scripts

venv: $(STAMP)

REQUIREMENTS := requirements.txt requirements-dask.txt requirements-dev.txt requirements-musicnn.txt

# pip skips what is already installed at its pin, so a stale stamp costs a check, not a download.
$(STAMP): $(REQUIREMENTS) pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements-musicnn.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
