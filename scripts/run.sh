#!/usr/bin/env bash
# Runs sheetlink: builds the web app, checks the demo files offline with the
# CLI, then serves the web app and the API from one address (sync-server,
# embedded redb, demo tenant) until Ctrl-C. Safe to re-run: the demo tenant is
# seeded once.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_rust_targets
ensure_web_tools
build_web_app
cargo build --locked --release -p sheetlink-cli -p sheetlink-server
# The client module carries the batch client for Linux and Windows; the
# server finds both next to itself (target/release). Without mingw the
# module is served without sheetlink.exe, and says so.
if ensure_windows_target \
  && step "the Windows batch client (cargo build --target x86_64-pc-windows-gnu)" \
  && cargo build --locked --release -p sheetlink-cli --target x86_64-pc-windows-gnu; then
  cp target/x86_64-pc-windows-gnu/release/sheetlink.exe target/release/sheetlink.exe
else
  rm -f target/release/sheetlink.exe
  echo "NOTE: the Windows batch client could not be built (rustup target x86_64-pc-windows-gnu and" >&2
  echo "      Debian's gcc-mingw-w64-x86-64 are needed): client modules will hold the Linux client only." >&2
fi

# The demo files are made from the demo tenant (sync-server/tests/demo_files.rs).
for sheet in performance competency; do
  for file in evaluation.csv evaluation-with-errors.csv; do
    step "sheetlink validate --schema examples/demo/$sheet/schema.json examples/demo/$sheet/$file"
    status=0
    target/release/sheetlink validate --schema "examples/demo/$sheet/schema.json" "examples/demo/$sheet/$file" || status=$?
    echo "(exit status $status)"
  done
done

export SHEETLINK_LISTEN="${SHEETLINK_LISTEN:-127.0.0.1:8080}"
export SHEETLINK_DATA_DIR="${SHEETLINK_DATA_DIR:-data/demo}"
# The demo tenant (published passwords) is opt-in; run.sh asks for it. The
# client module writes the public URL as configured, never the Host header.
export SHEETLINK_DEMO=1
export SHEETLINK_PUBLIC_URL="${SHEETLINK_PUBLIC_URL:-http://$SHEETLINK_LISTEN}"
step "sheetlink-server on http://$SHEETLINK_LISTEN (data in $SHEETLINK_DATA_DIR)"
cat <<HELP
Open http://$SHEETLINK_LISTEN/ in a browser (web app and API on one address).
Demo accounts (tenant "demo", the only one: the 組織ID field may stay empty):
               evaluation + CRM admin  admin / admin-demo-2026
               group leader            leader / leader-demo-2026 (営業部, 2026年度上期)
               CRM admin only          crm / crm-demo-2026
               member                  member / member-demo-2026 (佐藤 太郎's sheets)
Try:
  curl -c /tmp/sheetlink.cookies -H 'Content-Type: application/json' \\
       -d '{"login_id":"admin","password":"admin-demo-2026"}' http://$SHEETLINK_LISTEN/api/login
  curl -b /tmp/sheetlink.cookies http://$SHEETLINK_LISTEN/api/periods
  curl -b /tmp/sheetlink.cookies -H 'Content-Type: application/json' -d '{"items":["score_total","grade"]}' \\
       http://$SHEETLINK_LISTEN/api/periods/2026-h1/sheets/performance/template -o template.csv
  curl -b /tmp/sheetlink.cookies -H 'Idempotency-Key: demo-1' --data-binary @template.csv \\
       'http://$SHEETLINK_LISTEN/api/periods/2026-h1/sheets/performance/imports?dry_run=true'
Batch linkage: as admin, open バッチ連携 / Batch linkage, press 発行 / Issue, download the client module,
  then: target/release/sheetlink --conf linkage.conf import customers FILE.csv
        target/release/sheetlink --conf linkage.conf export customers-sjis --out out/
API description: http://$SHEETLINK_LISTEN/api/openapi.json — Ctrl-C stops the server.
HELP
exec target/release/sheetlink-server
