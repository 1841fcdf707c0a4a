#!/usr/bin/env bash
# Photographs every screen and state of the web app in Japanese and English at
# 1366x900 and 390x844 (a phone) into one folder, for people to look at (not a
# test). Usage: scripts/screenshots.sh [FOLDER]   (default target/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_rust_targets
ensure_web_tools
# Japanese text needs a CJK font in headless Chromium.
if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then
  step "installing fonts-noto-cjk (Debian)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y fonts-noto-cjk
fi
build_web_app
step "screenshots"
cargo run --locked -p sheetlink-e2e --bin screenshots -- "$@"
