#!/usr/bin/env bash
# Creates .venv (or reuses it): torch 2.13.0 first, then the project with its dev extra, then the venv's Jupyter
# kernel (which papermill and JupyterLab run). pip's own output is shown, and while pip works without a word
# (unpacking torch takes a minute or two) a line every 20 s says it still does.
# torch 2.13.0 is the CPU build where pip finds that wheel locally (its find-links folder); elsewhere PyPI gives its
# default build, the CUDA one (several GB with its nvidia-* packages). Set SEIS_TORCH to another torch requirement
# (e.g. "torch==2.11.0") on a GPU machine.
# Idempotent: a stamp keyed on pyproject.toml skips the install when nothing changed; delete .venv to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ -f "$stamp" ]; then
  echo "setup: .venv is up to date with pyproject.toml (delete .venv to reinstall)"
  exit 0
fi
start=$SECONDS
relay() {  # copies pip's lines, less its notes about absent local index folders; speaks up after 20 s of silence
  local line status
  while :; do
    if IFS= read -r -t 20 line; then
      [[ $line == "WARNING: Location '"*"' is ignored: it is neither a file nor a directory." ]] || printf '%s\n' "$line"
    else
      status=$?
      [ -n "$line" ] && printf '%s\n' "$line"
      (( status > 128 )) || break  # end of pip's output
      echo "setup: pip is still working ($(( SECONDS - start )) s into set-up)"
    fi
  done
}
pip_install() {
  echo "setup: pip install $*"
  .venv/bin/python -m pip install --disable-pip-version-check "$@" 2>&1 | relay
}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$py" --version 2>&1) ($py; set PYTHON to use another)"
  "$py" -m venv .venv
fi
pip_install "${SEIS_TORCH:-torch==2.13.0}"
pip_install -e ".[dev]"
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
rm -f .venv/.installed-*; touch "$stamp"
echo "setup: .venv ready in $(( SECONDS - start )) s ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
