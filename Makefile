# OPUS Update Boards — every target bootstraps what it needs (Debian packages, venv, private PostgreSQL).
SHELL := /bin/bash
VENV  ?= $(CURDIR)/.venv
PY    := $(VENV)/bin/python
RUN   := $(CURDIR)/.run

.PHONY: help bootstrap test lint static pytest demo demo-mssql bench test-mssql install-sql clean

help:
	@echo "make test        bootstrap, lint, static checks and the test suite (PostgreSQL)"
	@echo "make demo        bootstrap and walk the whole flow against the local monday API double"
	@echo "make demo-mssql  the same flow on the SQL Server database given by MSSQL_DSN"
	@echo "make bench       benchmarks (ratios measured in one run)"
	@echo "make test-mssql  contract suite and tSQLt classes against SQL Server given by MSSQL_DSN"
	@echo "make install-sql rebuild db/install.sql from db/manifest.txt"

bootstrap:
	@bash scripts/bootstrap.sh

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint --processes 2 db tests/tsqlt

pytest: bootstrap
	@bash scripts/run_pytest.sh

test: lint pytest

install-sql: bootstrap
	$(PY) -m sender.build_installer

demo: bootstrap
	env -u MSSQL_DSN $(PY) scripts/demo.py

demo-mssql: bootstrap
	@test -n "$$MSSQL_DSN" || { echo "make demo-mssql: set MSSQL_DSN to an ODBC connection string of a database you may write to" >&2; exit 2; }
	$(PY) scripts/demo.py

bench: bootstrap
	@bash scripts/run_bench.sh

test-mssql: bootstrap
	@bash scripts/test_mssql.sh

clean:
	-runuser -u postgres -- $$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl \
		-D $$(cat $(RUN)/pgroot 2>/dev/null || echo $(RUN)/pg)/data -m fast -w stop
	-case "$$(cat $(RUN)/pgroot 2>/dev/null)" in /var/lib/postgresql/opus-*) rm -rf "$$(cat $(RUN)/pgroot)";; esac
	rm -rf $(RUN)
