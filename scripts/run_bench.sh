#!/usr/bin/env bash
# Benchmarks: each prints ratios measured in one run (the machines are shared and noisy).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
for b in scripts/bench_*.py; do
    [ -f "$b" ] || continue
    echo "== $b"
    "$here/.venv/bin/python" "$b"
done
