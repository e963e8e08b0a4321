# The two commands: `make repro` runs the pipeline, `make test` runs the tests.
# Both create .venv/ from requirements.txt first when it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: repro test venv clean-venv

repro: $(STAMP)
	dvc repro

test: $(STAMP)
	python -m pytest -q

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
