# Cessio: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8501
DEMO_CASES ?= 2000
APP_PROCESSES ?= 2

export CESSIO_POSTAL_TICKET_WAIT_SECONDS ?= 5

.PHONY: install demo-data run cluster test lint chromium system-packages postgres clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[ocr,dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo-data: install system-packages
	@mkdir -p var
	$(BIN)/cessio db upgrade
	CESSIO_MODE=demo $(BIN)/cessio demo --cases $(DEMO_CASES) --if-empty

run: demo-data
	@CESSIO_MODE=demo bash scripts/run-all.sh $(PORT)

# The demo with APP_PROCESSES app processes behind nginx (README "More than one app process").
cluster: demo-data
	@CESSIO_MODE=demo bash scripts/run-cluster.sh $(APP_PROCESSES) $(PORT)

# Debian packages the tests and the app need: the browser for the journeys, Tesseract with its
# Russian data (the OCR engine that reads Russian court acts), the serif fonts of the test scans,
# nginx (several app processes behind one address: scripts/run-cluster.sh).
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-rus fonts-liberation nginx

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

chromium: system-packages

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest -q -p no:cacheprovider --timeout=900

# The translation catalogs (core/i18n): collect every _(), ngettext(), pgettext(), N_() of the app
# into the template and merge it into each language's .po; then fill the empty msgstr lines.
# No locations and sorted output keep the .po stable under merges; no fuzzy guesses.
I18N_KEYWORDS := -k _ -k ngettext:1,2 -k pgettext:1c,2 -k N_
i18n: install
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --no-default-keywords --no-location --sort-output --no-wrap \
		--ignore-dirs='.* _* tests var bench' --project=cessio -o core/i18n/messages.pot .
	$(BIN)/pybabel update -i core/i18n/messages.pot -d core/i18n/locale -D messages -l ru \
		--no-fuzzy-matching --ignore-obsolete --no-wrap
	@$(BIN)/python -m core.i18n.check

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
