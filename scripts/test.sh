#!/usr/bin/env bash
# The test command: sets up .venv if needed, then tests every notebook on the CPU with nbdev's test_nb, several at a
# time (scripts/test_notebooks.py), printing each notebook's start, end, time and pass/fail as it goes. Cells flagged
# slow, cuda or multicuda are skipped; pass e.g. --flags slow to run them too, or notebook paths to test only those:
#   bash scripts/test.sh nbs/10_masking.ipynb
# Ends on "notebooks: N passed, M failed", with exit status 1 when M > 0. The whole output is kept in .venv/last-test.log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg
.venv/bin/python scripts/test_notebooks.py "$@" 2>&1 | tee .venv/last-test.log
