# sasref developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Install into the active conda environment when there is one, else into .venv.
ifdef CONDA_PREFIX
PY := python
VENV_STAMP := .conda-installed
else
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
endif

SEED ?= 42
EDITORS ?= 40
DEMO_PORT ?= 8000

.PHONY: help install system-deps check format test test-fast nbval bench demo lab clean

help: ## list the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml
ifndef CONDA_PREFIX
	test -x .venv/bin/python || python3 -m venv .venv
endif
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

install: $(VENV_STAMP) ## install sasref and its development tools (.venv, or the active conda env)

system-deps: ## install the Debian services the full test suite uses (PostgreSQL, RabbitMQ, chromium)
	bash scripts/system-deps

check: install ## lint and type-check (ruff format --check, ruff, mypy)
	$(PY) -m ruff format --check sasref mocks tests bench
	$(PY) -m ruff check sasref mocks tests bench
	$(PY) -m mypy
	$(PY) scripts/clean_notebooks.py --check notebooks/*.ipynb

format: install ## reformat the code
	$(PY) -m ruff format sasref mocks tests bench
	$(PY) -m ruff check --fix sasref mocks tests bench
	$(PY) scripts/clean_notebooks.py notebooks/*.ipynb

test: install system-deps check ## everything CI runs: lint, types, every test, notebooks (nbval)
	source scripts/services.env 2>/dev/null; $(PY) -m pytest tests
	$(MAKE) --no-print-directory nbval

test-fast: install ## unit and conformance tests only, no services, no notebooks
	$(PY) -m pytest tests -m "not postgres and not rabbitmq and not browser"

nbval: install ## run the notebooks under nbval
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
		$(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
			--nbval-sanitize-with notebooks/sanitize.cfg -o filterwarnings= notebooks; \
	else echo "nbval: no notebook yet"; fi

bench: install ## run the benchmarks and print the results table
	$(PY) -m bench

demo: install ## the whole ecosystem on loopback: PSC, SAS platform, editors, hub, LRM (DEMO_PORT=8000)
	$(PY) -m sasref demo --seed $(SEED) --editors $(EDITORS) --port $(DEMO_PORT)

lab: install ## JupyterLab on notebooks/, wired to a running `make demo` (SASREF_LIVE_URL, SASREF_API_TOKEN)
	SASREF_LIVE=1 SASREF_LIVE_URL=$${SASREF_LIVE_URL:-http://127.0.0.1:$(DEMO_PORT)} \
	SASREF_API_TOKEN=$${SASREF_API_TOKEN-sasref-demo} \
	$(PY) -m jupyterlab --notebook-dir=notebooks

clean: ## remove caches and the virtual environment
	rm -rf .venv .conda-installed .pytest_cache .mypy_cache .ruff_cache build *.egg-info
