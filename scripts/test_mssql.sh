#!/usr/bin/env bash
# Runs the contract suite and the tSQLt classes against the SQL Server given by MSSQL_DSN.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MSSQL_DSN:-}" ]; then
    cat >&2 <<'MSG'
make test-mssql: no SQL Server given, nothing was tested.
Set MSSQL_DSN to an ODBC connection string of an EMPTY database you may write to, for example
  MSSQL_DSN='DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:sql01,1433;DATABASE=opus_test;UID=...;PWD=...;Encrypt=yes'
The tSQLt framework (tSQLt.class.sql from tsqlt.org), V1.0.8083.3529 or later, must be installed in that
database for the tSQLt part (scripts/run_tsqlt.py checks tSQLt.Info() and stops on an older release).
MSG
    exit 2
fi
cd "$here"
"$here/.venv/bin/python" -m pytest tests/contract tests/sender tests/docs/test_demo.py -q
# tSQLt: run where the engine can host it; an engine without SQLCLR says so and passes on the contract tier
"$here/.venv/bin/python" scripts/run_tsqlt.py
