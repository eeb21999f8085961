#!/usr/bin/env bash
# The browser tests: JupyterLab explorers and the documentation site in headless Chromium (Debian's package, driven
# by Playwright for Python). Installs what is missing (Chromium from apt, the dev extra into .venv), builds the site
# into _docs/ (scripts/docs.sh), then runs pytest on tests/browser.
# Never runs `playwright install`: that downloads browsers; the tests launch /usr/bin/chromium instead.
# Screenshots land in tests/browser/screenshots/ (set SEIS_SCREENSHOTS to write them elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh
.venv/bin/python -c "import playwright, pytest" 2>/dev/null ||
  .venv/bin/python -m pip install -q --disable-pip-version-check "playwright>=1.50" "pytest>=8"
export MPLBACKEND=Agg
bash scripts/docs.sh
start=$(date +%s)
timeout 600 .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider "$@"
echo "browser tests took $(( $(date +%s) - start )) s"
