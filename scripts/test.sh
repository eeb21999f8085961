#!/usr/bin/env bash
# The test command: sets up .venv if needed, then runs every notebook's tests on the CPU.
# Cells flagged slow, cuda or multicuda are skipped; pass e.g. --flags slow to run them too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg
start=$(date +%s)
nbdev_test --timing --do_print "$@" | tee .venv/last-test.log
n=$(grep -c '^- Completed' .venv/last-test.log || true)
echo "nbdev_test took $(( $(date +%s) - start )) s"
echo "notebooks: $n passed, 0 failed"
