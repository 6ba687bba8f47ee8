# ismart-sms-kit — every target sets up what it needs (a .venv from pyproject.toml) first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8080
ARGS   ?=
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: FORCE help serve image-test release test test-fast test-slow test-oldest contract-live lint format typecheck clean bench bench-soak profile wrk

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -v host='$(HOST)' -v port='$(PORT)' \
		'BEGIN {FS = ":.*?## "}; {gsub(/\$$\(HOST\)/, host, $$2); gsub(/\$$\(PORT\)/, port, $$2); \
		printf "  make %-14s %s\n", $$1, $$2}'

# Two stamps: `make serve` installs what serving needs (the package, editable), `make test` and
# the other development targets add the dev extra (ruff, mypy, pytest, Playwright, ...).
# Editable in setuptools' strict mode: the venv sees a tree of links to the files of the folders
# pyproject.toml maps into the package (mypy and editors follow it; docs/architecture.md), made
# at install time, so a file added or removed installs again: $(VENV)/.package-files lists them
# and changes only when that list does.
STRICT := --config-settings editable_mode=strict
PACKAGE_FOLDERS := src mock_server client contract_tests protocol fixtures

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'pip>=23'  # PEP 660 editable installs, pip --python; a no-op when met
	@touch $@

$(VENV)/.package-files: FORCE | $(VENV)/.created
	@find $(PACKAGE_FOLDERS) -name __pycache__ -prune -o -type f \( -name '*.py' -o -name '*.yaml' \
		-o -name py.typed -o -path '*/static/*' \) -print | LC_ALL=C sort > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(VENV)/.installed-serve: pyproject.toml setup.py $(VENV)/.package-files
	$(PY) -m pip install --quiet $(STRICT) -e .
	@touch $@

$(VENV)/.installed: pyproject.toml setup.py $(VENV)/.package-files
	$(PY) -m pip install --quiet $(STRICT) -e '.[dev]'
	@touch $@

serve: $(VENV)/.installed-serve ## start the emulator on $(HOST):$(PORT) with the demo defaults (PORT=18080, ARGS="--config team")
	$(VENV)/bin/ismart-mock --host $(HOST) --port $(PORT) $(ARGS)

image-test: ## build the Containerfile's image with podman on a Debian base it makes, run and check it (minutes; root)
	sh container/image-test.sh

# The inbox's browser tests drive Debian's Chromium (Playwright's own browser download is not
# used). Installed once when missing, with sudo unless root; CHROMIUM=/path/to/chromium uses
# another one. Where none can be had the browser tests skip, except under CI=true: they fail.
$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
		echo "make test: installing Debian's chromium for the inbox's browser tests (once): $(SUDO) apt-get install chromium"; \
		{ $(SUDO) apt-get update -qq && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
		echo "make test: could not install chromium: the browser tests skip (and fail under CI=true)" >&2; \
	else \
		echo "make test: no $(CHROMIUM) and no apt-get: the browser tests skip (and fail under CI=true); make test CHROMIUM=/path/to/chromium uses another" >&2; \
	fi

# The tiers (docs/development.md): the slow kinds carry a marker each (pyproject.toml); the fast
# tier is every test without one, in this one process. The full run spreads the tests over
# pytest-xdist workers, a module to a worker (its module-scoped emulators and kit runs are
# built once); XDIST=0 runs it in one process.
SLOW   := subprocess or browser or install or container or kit_run
XDIST  ?= 2
PYTEST_XDIST = $(if $(filter 0,$(XDIST)),,-n $(XDIST) --dist loadscope)

test: $(VENV)/.installed $(CHROMIUM) ## lint, type-check and run every test, both tiers (~3 min on 2 quiet cores; the CI)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	env -u ISMART_URL ISMART_CHROMIUM=$(CHROMIUM) $(PY) -m pytest $(PYTEST_XDIST) $(ARGS)

test-fast: $(VENV)/.installed ## the loop after each change (~2 min): lint, type-check, every test not marked slow, one process
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	env -u ISMART_URL $(PY) -m pytest -m "not ($(SLOW))" $(ARGS)

test-slow: $(VENV)/.installed $(CHROMIUM) ## the slow tier alone: processes, browser, installs, kit runs (xdist)
	env -u ISMART_URL ISMART_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -m "$(SLOW)" $(PYTEST_XDIST) $(ARGS)

# The oldest Python the project supports (requires-python >= 3.10): pyenv's when there is one
# (its python3.10 shim answers only when 3.10 is pyenv's global version), else python3.10.
OLDEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) python3.10)

test-oldest: ## make test again on Python 3.10 (in .venv-py310), the oldest supported; skipped if absent
	@if $(OLDEST_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
		$(MAKE) --no-print-directory test PYTHON=$(OLDEST_PYTHON) VENV=.venv-py310; \
	else echo "make test-oldest: no Python 3.10 ($(OLDEST_PYTHON)); skipped"; fi

contract-live: $(VENV)/.installed ## the contract kit against ISMART_URL, live-safe (needs ISMART_USER_ID, ISMART_PASSWORD, ISMART_HEADER)
	@if [ -z "$$ISMART_URL" ]; then echo "make contract-live: set ISMART_URL (and ISMART_USER_ID, ISMART_PASSWORD, ISMART_HEADER)" >&2; exit 2; fi
	$(PY) -m pytest contract_tests -p no:cacheprovider --hypothesis-profile live $(ARGS)

lint: $(VENV)/.installed ## ruff and mypy only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

wrk:
	@command -v wrk >/dev/null || $(SUDO) apt-get install -y wrk || \
		{ $(SUDO) apt-get update && $(SUDO) apt-get install -y wrk; }

bench: $(VENV)/.installed wrk ## loopback benchmark, ~2 min: baseline vs emulator, workers vs a control, start-up, RSS (ARGS="--duration 4")
	$(PY) -m benchmarks.bench $(ARGS)

profile: $(VENV)/.installed wrk ## where one worker's CPU goes under load, C included (py-spy; ~30 s; ARGS="--baseline")
	@test -x $(VENV)/bin/py-spy || $(PY) -m pip install --quiet py-spy
	$(PY) -m benchmarks.profile $(ARGS)

bench-soak: $(VENV)/.installed wrk ## 1,000,000 requests to one worker, RSS every ~100k (not CI; ~1.5 min)
	$(PY) -m benchmarks.soak $(ARGS)

release: $(VENV)/.installed ## build the sdist and wheel of HEAD into dist/, check them, print the tag to push
	$(PY) -m tools.release $(ARGS)

clean: ## remove the virtualenv, its editable link tree (build/) and caches
	rm -rf $(VENV) .venv-py310 build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
