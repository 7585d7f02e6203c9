# Two commands, from a fresh machine with Python 3.11 and make:
#   make lab    create .venv, install regsim with everything, open JupyterLab on notebooks/
#   make test   create .venv if missing, run the whole suite (unit, property, notebooks, browser, clients)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab test venv site clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or newer is needed (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: $(PYTHON) is older than Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

# JupyterLab refuses to run as root (containers, CI) unless told it may
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest

# the course as a static website (every notebook with its stored outputs, playable animations) and the
# API reference from the docstrings (Sphinx, docs/api; a broken cross-reference fails) in _site/
site: $(STAMP)
	$(BIN)/python website/build.py --out _site

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info _site
