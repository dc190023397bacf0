#!/usr/bin/env bash
# Install what the tests need (system packages: Graphviz for rendering, Chromium for the
# browser test, npm for the Lighthouse run; Python packages: msgarch with its test extras), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)  # Lighthouse: tests/test_browser.py installs it with npm
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "scripts/test.sh: please install ${missing[*]} (apt-get install ${missing[*]})" >&2
  fi
fi
python -m pip install -q -e '.[test]'
python -m pytest "$@"
