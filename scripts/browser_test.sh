#!/usr/bin/env bash
# The browser tests: JupyterLab explorers and the documentation site in headless Chromium (Debian's package, driven
# by Playwright for Python). Installs what is missing (Chromium from apt, the dev extra into .venv), builds the site
# into _docs/ (scripts/docs.sh), then runs pytest on tests/browser.
# Never runs `playwright install`: that downloads browsers; the tests launch /usr/bin/chromium instead.
# Screenshots land in tests/browser/screenshots/ (set SEIS_SCREENSHOTS to write them elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "browser tests: no Chromium at ${CHROMIUM:-/usr/bin/chromium}; installing Debian's chromium with apt-get (a minute or two)"
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium | { grep -E '^(Get|Setting up)' || true; }
fi
bash scripts/setup.sh
if ! .venv/bin/python -c "import playwright, pytest" 2>/dev/null; then
  echo "browser tests: installing playwright and pytest into .venv"
  .venv/bin/python -m pip install --disable-pip-version-check "playwright>=1.50" "pytest>=8"
fi
export MPLBACKEND=Agg
bash scripts/docs.sh
start=$(date +%s)
timeout 600 .venv/bin/python -m pytest tests/browser -v -p no:cacheprovider "$@"
echo "browser tests took $(( $(date +%s) - start )) s"
