#!/usr/bin/env bash
# Runs pytest and refuses a run that collected no test (pytest exit 5 must not pass silently).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
"${VENV:-$here/.venv}/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: failing the run" >&2
    exit 1
fi
exit "$rc"
