#!/usr/bin/env bash
# The long fuzz runs the README reports (not part of CI, which keeps its
# 20-second runs): each target for RUNS executions (10 million by default),
# without a sanitizer (AddressSanitizer's bookkeeping costs 5-8x) but with
# debug assertions and overflow checks. Prints each target's count and time.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
runs=${RUNS:-10000000}
for target in ${TARGETS:-forwarded condition header validate map}; do
  cargo fuzz build --sanitizer none --debug-assertions "$target"
  mkdir -p "corpus/$target"
  seeds=("corpus/$target")
  [ -d "seeds/$target" ] && seeds+=("seeds/$target")
  started=$(date +%s)
  cargo fuzz run --sanitizer none --debug-assertions "$target" "${seeds[@]}" -- \
    -runs="$runs" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 30
  echo "== $target: $runs executions in $(( $(date +%s) - started )) s"
done
