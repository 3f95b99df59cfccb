# Alliance Workflow: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= sqlite:///instance/alliance.db
export DATABASE_URL
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test serve bench setup python-deps node-deps browser db lint clean migration dist i18n i18n-compile i18n-missing

setup: python-deps node-deps i18n-compile

python-deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json $(wildcard web/assets/*.mjs web/assets/*.js)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --if-present build
	touch $@

# Catalogs (web/translations/<lang>/LC_MESSAGES/messages.po): `make i18n` extracts every marked
# string (templates, web, the engine's N_ templates, the processes' handlers) into messages.pot,
# merges it into each language's catalog, lists what is untranslated, and compiles the .mo
# files. The .mo files are built, not committed: setup compiles them (i18n-compile).
LOCALES := $(notdir $(wildcard web/translations/*))
MO_FILES := $(foreach l,$(filter-out messages.pot,$(LOCALES)),web/translations/$(l)/LC_MESSAGES/messages.mo)
i18n: python-deps
	$(BIN)/pybabel -q extract -F web/babel.cfg -k _ -k gettext -k N_ -k lazy_gettext --no-location --sort-output \
	  --project "Alliance Workflow" --copyright-holder "Maritime Silk Road Cities Alliance" \
	  -o web/translations/messages.pot web engine processes
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i web/translations/messages.pot -d web/translations
	$(BIN)/python -m web.catalogs || true
	$(MAKE) --no-print-directory i18n-compile
i18n-compile: $(MO_FILES)
web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -d web/translations -l $* -i $< -o $@
i18n-missing: python-deps
	$(BIN)/python -m web.catalogs

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

db: setup
	$(BIN)/alliance init-db
	$(BIN)/alliance deploy processes/ --operator --comment "deployed by make"
	$(BIN)/alliance seed

# The demo: demo users (their passwords are printed), the web app, a background worker and a
# local SMTP sink (aiosmtpd) whose mails the app shows at /dev/mail.
SMTP_SINK_PORT ?= 8025
run: db
	$(BIN)/alliance seed --demo
	@echo "Serving on http://$(HOST):$(PORT) (with a background worker and a mail sink; Ctrl-C stops all)"
	@echo "Mails the people would receive: http://$(HOST):$(PORT)/dev/mail"
	@bash -c 'mkdir -p instance/mail/cur instance/mail/new instance/mail/tmp; \
	  $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(SMTP_SINK_PORT) -c aiosmtpd.handlers.Mailbox instance/mail & sink=$$!; \
	  SMTP_URL=smtp://127.0.0.1:$(SMTP_SINK_PORT) BASE_URL=http://$(HOST):$(PORT) $(BIN)/alliance worker & worker=$$!; \
	  trap "kill $$worker $$sink 2>/dev/null" EXIT INT TERM; \
	  DEV_MAILDIR=instance/mail $(BIN)/flask --app "web:create_app()" run --host $(HOST) --port $(PORT)'

# Production-style serving: gunicorn with several workers (alliance serve), no demo data.
serve: db
	@bash -c '$(BIN)/alliance worker --concurrency 2 & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/alliance serve --workers 4 --bind $(HOST):$(PORT)'

# The wheel (Python code, migrations, BPMN files, and the built front-end assets): no Node
# needed where it is installed. `pip install dist/alliance_workflow-*.whl`.
DIST ?= dist
dist: setup
	test -f web/static/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js || npm run build
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(DIST) .
	@ls -1 $(DIST)/alliance_workflow-*.whl

# The suite on as many workers as cores (pytest-xdist); each worker copies its own template
# databases (tests/databases.py).
test: setup browser
	$(BIN)/python -m pytest -q -n auto --dist worksteal

lint:
	$(BIN)/ruff check engine web processes tests bench
	$(BIN)/mypy engine web processes

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance test-output dist build web/static/vendor web/static/build

# Write a new migration after changing models: make migration MESSAGE="add x"
migration: setup
	$(BIN)/python -c 'import sys; from engine.store.migrations import new_revision; new_revision(sys.argv[1])' "$(MESSAGE)"
