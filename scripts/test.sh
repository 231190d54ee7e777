#!/usr/bin/env bash
# One command: set up (including Chromium for browser tests) and run the whole test suite.
# Extra arguments go to pytest. DATABASE_URL selects the database (default SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest -n 2 "$@"  # two workers: the machines have two cores
