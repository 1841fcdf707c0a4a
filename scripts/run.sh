#!/usr/bin/env bash
# Runs sheetlink. Until the server and the web app land, "the product" is the
# offline validator: it checks the demo evaluation sheets and prints what a
# user would see. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_rust_targets
cargo build --locked --release -p sheetlink-cli
sheetlink=target/release/sheetlink

for file in examples/demo/evaluation.csv examples/demo/evaluation-with-errors.csv; do
  step "sheetlink validate --schema examples/demo/schema.json $file"
  status=0
  "$sheetlink" validate --schema examples/demo/schema.json "$file" "$@" || status=$?
  echo "(exit status $status)"
done
