#!/usr/bin/env bash
# Static checks run by CI before the tests: lint (ruff), types against a baseline that may only
# shrink (mypy), and the import contracts that keep the layers apart (import-linter).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
"$py" -m ruff check .
"$py" scripts/type_baseline.py
.venv/bin/lint-imports --no-cache
