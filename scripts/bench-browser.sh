#!/usr/bin/env bash
# The browser benchmark: the engine (wasm, in the app's Web Worker) against
# the same rules in JavaScript over Papa Parse, on the generated 10,000 x
# 1,000 sheet (~30 MB), in headless Chromium. Prints times and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_rust_targets
ensure_web_tools
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
step "Papa Parse for the baseline (bench/browser, npm ci)"
(cd bench/browser && npm ci --no-audit --no-fund)
build_web_app
step "browser benchmark"
cargo run --locked --release -p sheetlink-e2e --bin browser-bench
