# CisTrade data platform. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT            := $(CURDIR)
UV_VERSION      := 0.13.8
PYTHON          ?= python3
# uv lives in a small tool environment of the project's own (scripts/bootstrap-uv.sh),
# so the path below is where it is installed, whatever python3 or HOME look like.
TOOLS           := $(ROOT)/.tools
UV              := $(TOOLS)/bin/uv
VENV            := $(ROOT)/.venv
BIN             := $(VENV)/bin

export CISTRADE_HOME ?= $(ROOT)/.cistrade
export CISTRADE_SMTP_PORT ?= 8025
export AIRFLOW_HOME ?= $(CISTRADE_HOME)/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(ROOT)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(ROOT)/plugins
export AIRFLOW__CORE__PARALLELISM ?= 4
export AIRFLOW__CORE__EXECUTOR ?= LocalExecutor
export AIRFLOW__API__HOST := 127.0.0.1
export AIRFLOW__API__PORT ?= 8080
export AIRFLOW_CONN_SMTP_DEFAULT ?= {"conn_type": "smtp", "host": "127.0.0.1", "port": $(CISTRADE_SMTP_PORT), "extra": {"disable_ssl": true, "disable_tls": true, "from_email": "cistrade@localhost", "timeout": 10, "retry_limit": 1}}
export UV_LINK_MODE := copy
export UV_COMPILE_BYTECODE ?= 1
# trust the machine's CA store (a corporate TLS proxy's root is there, not in uv's bundle)
export UV_SYSTEM_CERTS ?= 1

.PHONY: help env system-deps hiveserver airflow-init db demo test lint bench airflow stack stack-stop smtp-start smtp-stop clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV): | system-deps
	@PYTHON=$(PYTHON) bash scripts/bootstrap-uv.sh $(TOOLS) $(UV_VERSION)

system-deps:  ## Install the Debian packages the platform needs (WeasyPrint libraries, Java)
	@bash scripts/ensure-system-deps.sh

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11
	@# the project's own modules too: with PYTHONDONTWRITEBYTECODE set nothing else would
	@[ "$$UV_COMPILE_BYTECODE" = 0 ] || $(BIN)/python -m compileall -q -j 0 cistrade_core cistrade_dev dags plugins >/dev/null
	@touch $@

env: system-deps $(VENV)/.synced  ## Create .venv from the lock file

hiveserver: env  ## Install the local HiveServer2 of the tests (Spark Thrift Server, pinned in uv.lock)
	@UV=$(UV) bash scripts/ensure-hiveserver.sh

$(AIRFLOW_HOME)/.migrated: $(VENV)/.synced
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/migrate.log; exit 1)
	@touch $@

airflow-init: env $(AIRFLOW_HOME)/.migrated  ## Initialise Airflow's SQLite metadata DB under .cistrade/

db: env  ## Create the warehouse tables, or migrate them to this release (cistrade db upgrade)
	$(BIN)/cistrade db upgrade

smtp-start: env  ## Start the local SMTP server (127.0.0.1:$CISTRADE_SMTP_PORT, mail kept in .cistrade/outbox)
	@bash scripts/smtp.sh start

smtp-stop:  ## Stop the local SMTP server
	@bash scripts/smtp.sh stop

demo: airflow-init db smtp-start  ## Run the platform's main job end to end on the embedded default
	@bash scripts/demo.sh

test: env hiveserver  ## Run the linter and every test (starts a local HiveServer2, needs Java)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

bench: airflow-init hiveserver  ## Run the benchmarks (figures go to docs/benchmarks.md by hand)
	$(BIN)/python -m bench

airflow: airflow-init db smtp-start  ## Start the Airflow UI on http://127.0.0.1:8080 (Ctrl-C stops it)
	@bash scripts/airflow.sh

stack: env  ## Start the production stack as local processes (PostgreSQL, Redis, Celery; scripts/stack.sh)
	@bash scripts/stack.sh start

stack-stop:  ## Stop the processes `make stack` started
	@bash scripts/stack.sh stop

clean:  ## Remove .cistrade/ (warehouse, outbox, Airflow DB) but keep .venv and the HiveServer2
	@bash scripts/smtp.sh stop || true
	@bash scripts/stack.sh stop || true
	@if [ -d $(CISTRADE_HOME) ]; then \
	  find $(CISTRADE_HOME) -mindepth 1 -maxdepth 1 ! -name hiveserver -exec rm -rf {} +; fi
