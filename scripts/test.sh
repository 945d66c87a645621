#!/usr/bin/env bash
# The whole test suite, as CI runs it: the static checks (ruff, mypy against its baseline, the
# import contracts), then every test, the slow lane included, spread over the cores by xdist.
# A plain `.venv/bin/python -m pytest` runs the fast lane only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/static_checks.sh
.venv/bin/python -m pytest -m "slow or not slow" -n auto "$@"
