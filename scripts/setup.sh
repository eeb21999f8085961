#!/usr/bin/env bash
# Creates .venv (or reuses it) with the CPU build of torch first, then the project and its dev extra.
# Idempotent: a stamp keyed on pyproject.toml skips the install when nothing changed.
# Set SEIS_TORCH to another torch requirement (e.g. "torch==2.11.0") on a GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
pip_install() {  # pip's notes about absent local index folders are noise here; errors still show
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@" 2> >(grep -v '^WARNING: Location' >&2)
}
if [ ! -f "$stamp" ]; then
  pip_install "${SEIS_TORCH:-torch==2.13.0}"
  pip_install -e ".[dev]"
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
  rm -f .venv/.installed-*; touch "$stamp"
fi
