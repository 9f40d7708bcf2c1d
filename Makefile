# Lernpool: `make run` sets everything up and starts the demo; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
# uv: `python3 -m uv` where pip may install it (pyenv's Python), otherwise uv in a throwaway
# virtual environment, for a Debian Python that refuses `pip install` (PEP 668).
UV_VERSION := 0.13.9
UV_VENV := .cache/uv-venv
UV = $(if $(wildcard $(UV_VENV)/bin/uv),$(UV_VENV)/bin/uv,$(PYTHON) -m uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
APT_GET := $(if $(filter 0,$(shell id -u)),apt-get,sudo apt-get)

.PHONY: run setup uv demo test test-deps lint format messages ci sso-demo bench

## run: install, migrate a SQLite database, load the demo data, start http://127.0.0.1:8000
run: setup demo
	@echo ""
	@echo "  Lernpool runs at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

## setup: Python 3.12 (from .python-version), the locked dependencies, gettext, Pango, translations
# WeasyPrint (the tagged PDFs: reports, certificates, agreements) needs Debian's Pango and HarfBuzz.
PDF_LIBS := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
  libharfbuzz-subset.so.0:libharfbuzz-subset0
setup: uv
	@command -v msgfmt >/dev/null || ($(APT_GET) update -qq && $(APT_GET) install -y -qq gettext)
	@missing=""; for pair in $(PDF_LIBS); do \
	    /sbin/ldconfig -p | grep -q "$${pair%%:*}" || missing="$$missing $${pair#*:}"; \
	  done; \
	  test -z "$$missing" || ($(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing)
	@$(UV) python find >/dev/null 2>&1 || $(UV) python install --quiet 2>/dev/null || { \
	  echo ""; \
	  echo "Lernpool needs Python 3.12 or 3.13 (.python-version asks for $$(cat .python-version));"; \
	  echo "none was found on this machine, and uv could not download one. Any of these helps:"; \
	  echo "  - Debian 13 or Ubuntu 24.04: their python3 (3.13, 3.12) is enough: apt install python3"; \
	  echo "  - pyenv (https://github.com/pyenv/pyenv): pyenv install 3.12 (.python-version picks it)"; \
	  echo "  - uv with access to GitHub: $(UV) python install 3.12"; \
	  echo "Then run make again."; \
	  exit 1; }
	$(UV) sync --frozen --quiet
	$(PY) manage.py compilemessages --ignore=.venv -v 0

# uv itself: `python3 -m uv` if it is there or pip may install it; else (PEP 668: "externally
# managed environment") in .cache/uv-venv, made with python3 -m venv (Debian's python3-venv).
uv:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is missing: apt install python3"; exit 1; }
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || test -x $(UV_VENV)/bin/uv || \
	  $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)" 2>/dev/null || { \
	    echo "$(PYTHON) refuses pip install (PEP 668): uv goes into $(UV_VENV)"; \
	    $(PYTHON) -c "import ensurepip" 2>/dev/null || \
	      ($(APT_GET) update -qq && $(APT_GET) install -y -qq python3-venv); \
	    rm -rf $(UV_VENV) && $(PYTHON) -m venv $(UV_VENV) && \
	    $(UV_VENV)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; }

demo:
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo

## test: what the tests need (Chromium from Debian, gettext), then the whole suite
test: setup test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Chromium for the browser tests; pdftotext/pdftoppm (poppler-utils) and zbarimg (zbar-tools)
# to read back the PDFs and QR codes the app prints; Java and npm for the W3C Nu HTML checker
# (vnu.jar from the npm package vnu-jar, into .cache/vnu), which checks the HTML that every
# browser test's pages were served with. The single sign-on tests run a real OpenID provider,
# the npm package oidc-provider, with node on loopback (tests/oidc/provider.mjs), from .cache/oidc.
# tests/core/test_pgbouncer.py runs the app through Debian's pgbouncer (transaction mode).
# The deployment tests (tests/deploy) run Debian's nginx with deploy/'s site and openssl's
# self-signed certificate on loopback.
VNU_VERSION := 26.9.27
OIDC_PROVIDER_VERSION := 9.13.3
OIDC_PROVIDER := .cache/oidc/node_modules/oidc-provider/package.json
VNU_JAR := .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar
test-deps:
	@# Only what is missing: Debian's npm conflicts with a Node.js that brings its own npm.
	@missing=""; \
	  for pair in chromium:chromium pdftotext:poppler-utils zbarimg:zbar-tools \
	      java:default-jre-headless npm:npm pgbouncer:pgbouncer nginx:nginx openssl:openssl; do \
	    command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; \
	  done; \
	  test -z "$$missing" || ($(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing)
	@test -f $(VNU_JAR) || npm install --prefix .cache/vnu --no-save --no-package-lock --no-audit \
	  --no-fund --ignore-scripts --loglevel=error vnu-jar@$(VNU_VERSION)
	@grep -qs '"version": "$(OIDC_PROVIDER_VERSION)"' $(OIDC_PROVIDER) || npm install --prefix .cache/oidc \
	  --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error \
	  oidc-provider@$(OIDC_PROVIDER_VERSION)

## sso-demo: the tests' OpenID provider at http://127.0.0.1:9000 with two demo people (README)
sso-demo: test-deps
	OIDC_PORT=9000 OIDC_CONFIG=tests/oidc/demo.json \
	  OIDC_PROVIDER_MODULE=$(CURDIR)/.cache/oidc/node_modules/oidc-provider/lib/index.js \
	  node tests/oidc/provider.mjs

## bench: every daily page over HTTP (gunicorn, wrk) against a minimal Django page, at region scale
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/lernpool_bench
BENCH_SCALE ?= 1
bench: setup
	@command -v wrk >/dev/null || ($(APT_GET) update -qq && $(APT_GET) install -y -qq wrk)
	@psql "$(BENCH_DB)" -Atc "SELECT 1 FROM booking_reservation LIMIT 1" >/dev/null 2>&1 || \
	  DATABASE_URL=$(BENCH_DB) DJANGO_SETTINGS_MODULE=config.settings.dev \
	  $(PY) bench/generate_region.py --scale $(BENCH_SCALE)
	DATABASE_URL=$(BENCH_DB) $(PY) bench/http_pages.py $(BENCH_ARGS)

## ci: what CI runs on a clean clone (lint, SQLite, then everything on PostgreSQL)
ci:
	bash .ci/run

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

## messages: collect new strings into the German and English catalogues
messages:
	$(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=static/vendor --ignore=tests --ignore=bench --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l de -l en --ignore=.venv --ignore=static/vendor --ignore=tests --ignore=bench --no-obsolete
