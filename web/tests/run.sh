#!/usr/bin/env bash
# The web UI's headless-browser test: installs what it needs when missing (Debian's chromium,
# Node.js, playwright-core from package-lock.json), builds sextant, runs ui.test.mjs.
# Safe to run again: every install step is skipped when its tool is there.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "error: playwright-core needs Node.js 20 or newer; found $(node --version)" >&2
  exit 1
fi
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent

(cd ../.. && cargo build -p sextant-cli --locked --quiet)
target=${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target}
SEXTANT_BIN="$target/debug/sextant" node ui.test.mjs
