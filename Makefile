# Everything runs from a bare machine with Python 3.11: each target creates
# .venv and installs what it needs first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-one typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# The suite runs on every supported Python found (nox skips missing ones with a
# line saying so); pyenv's interpreters are looked up too when pyenv is there.
PYENV_BINS := $(wildcard $(HOME)/.pyenv/versions/3.1[123]*/bin)
empty      :=
space      := $(empty) $(empty)
NOX_PATH   := $(subst $(space),:,$(PYENV_BINS))

test: $(STAMP)
	$(BIN)/python -m mypy
	PATH="$(CURDIR)/$(BIN):$$PATH$(if $(NOX_PATH),:$(NOX_PATH))" $(BIN)/python -m nox -s tests

test-one: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

typecheck: $(STAMP)
	$(BIN)/python -m mypy

bench: $(STAMP)
	$(BIN)/python bench/all.py

clean:
	rm -rf $(VENV) .nox build dist *.egg-info .mypy_cache .pytest_cache
