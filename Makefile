# Two commands for a new user on Debian: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: what the archive needs to run, and what the tests add
DEBIAN_RUN := libmagic1 tesseract-ocr tesseract-ocr-chi-sim libgl1 libglib2.0-0 fonts-wqy-zenhei
DEBIAN_TEST := postgresql curl chromium

.PHONY: run test lint install install-test debian-run debian-test clean

run: install
	$(BIN)/dangan serve

test: install-test lint
	infra/local/test.sh $(PYTEST_ARGS)

# the linter and the type checker; either one's findings fail the build
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

install: debian-run $(VENV)/.installed-run
install-test: debian-run debian-test $(VENV)/.installed-test

debian-run:
	@infra/local/debian-packages.sh $(DEBIAN_RUN)
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || infra/local/debian-packages.sh python3-venv

debian-test:
	@infra/local/debian-packages.sh $(DEBIAN_TEST)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
