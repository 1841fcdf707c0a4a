#!/usr/bin/env bash
# Runs every test of sheetlink. Installs what a fresh machine lacks and is safe
# to re-run. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_rust_targets
ensure_windows_target
ensure_cargo_tool cargo-fuzz cargo-fuzz 0.13.2
ensure_web_tools
ensure_axe

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --locked -p sheetlink-web --target wasm32-unknown-unknown -- -D warnings

step "the engine builds for the browser (wasm32-unknown-unknown)"
cargo build --locked -p sheetlink-engine -p sheetlink-engine-wasm --target wasm32-unknown-unknown --release

build_web_app

step "unit, table, property, process and browser (e2e) tests"
test_log=$(mktemp)
trap 'rm -f "$test_log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$test_log"

step "benchmarks run once as tests (release build, one iteration each)"
cargo bench --locked -p sheetlink-engine --bench validate --bench linkage -- --test
cargo bench --locked -p sheetlink-server --bench apply --bench linkage --bench members --bench memory --bench load -- --test
scripts/bench-browser.sh

step "fuzz targets (validate, map, header, condition, forwarded) build and run for ${FUZZ_SECONDS:=20} s each"
(
  cd fuzz
  # cargo-fuzz passes -Z flags (sanitizers); the pinned stable toolchain
  # accepts them with RUSTC_BOOTSTRAP, so no nightly toolchain is needed.
  export RUSTC_BOOTSTRAP=1
  for target in validate map header condition forwarded; do
    cargo fuzz build "$target"
    # Committed seeds (valid conditions) start the search where it matters.
    seeds=()
    if [ -d "seeds/$target" ]; then
      mkdir -p "corpus/$target"
      seeds=("corpus/$target" "seeds/$target")
    fi
    cargo fuzz run "$target" "${seeds[@]}" -- -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096
  done
)

step "done"
# One closing line that adds up every cargo test binary's counts.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$test_log"
