# Shared helpers of scripts/run.sh and scripts/test.sh (sourced, not run).

# step NAME: announces a step, saying how long the one before it took and
# how long the run has taken so far (the README's test times come from these).
STEP_STARTED=$(date +%s)
RUN_STARTED=$STEP_STARTED
step() {
  local now
  now=$(date +%s)
  if [ -n "${STEP_NAME:-}" ]; then
    printf '    (%s: %d s)\n' "$STEP_NAME" $((now - STEP_STARTED))
  fi
  STEP_NAME="$*"
  STEP_STARTED=$now
  printf '\n==> %s   [%d s into the run]\n' "$*" $((now - RUN_STARTED))
}

# The toolchain itself is pinned by rust-toolchain.toml; make sure its wasm
# target is there (rustup does nothing when it is).
ensure_rust_targets() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup first" >&2
    exit 1
  fi
  local toolchain
  toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
  if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
  fi
}

# The Windows batch client (sheetlink.exe) is cross-compiled: the rustup
# target and Debian's mingw linker. Answers non-zero when either cannot be
# had (run.sh then serves a client module without sheetlink.exe and says so).
ensure_windows_target() {
  local toolchain
  toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
  if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
    step "installing the x86_64-pc-windows-gnu target (the Windows batch client)"
    rustup target add x86_64-pc-windows-gnu --toolchain "$toolchain" || return 1
  fi
  if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    step "installing mingw-w64 (links the Windows batch client; Debian)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    { $sudo apt-get update && $sudo apt-get install -y gcc-mingw-w64-x86-64; } || return 1
  fi
}

# ensure_cargo_tool BINARY CRATE VERSION [--locked|--unlocked]: install a
# cargo tool unless that version is already on PATH.
ensure_cargo_tool() {
  local binary=$1 crate=$2 version=$3 lock=${4:---locked}
  if command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -q "$version"; then
    return
  fi
  if [ "$binary" = cargo-fuzz ] && cargo fuzz --version 2>/dev/null | grep -q "$version"; then
    return
  fi
  step "installing $crate $version"
  if [ "$lock" = --locked ]; then
    cargo install --locked "$crate@$version"
  else
    cargo install "$crate@$version"
  fi
}

# What building and testing the web app needs: Trunk, the wasm-bindgen CLI of
# exactly the version in Cargo.lock (Trunk cannot download one here; it must
# be on PATH), and Debian's Chromium with its chromedriver for the browser
# tests. wasm-opt is not used (see web-app/index.html).
ensure_web_tools() {
  ensure_cargo_tool trunk trunk 0.21.14
  local bindgen
  bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  # The CLI's own dependencies are newer than its lock file allows: no --locked.
  ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$bindgen" --unlocked
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    step "installing Chromium and chromedriver (Debian)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo apt-get install -y chromium chromium-driver
  fi
}

# axe-core for the browser tests' accessibility check (e2e/node_modules).
ensure_axe() {
  if ! command -v npm >/dev/null; then
    echo "npm is missing: install Node.js (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
  if [ ! -f e2e/node_modules/axe-core/axe.min.js ]; then
    step "axe-core for the accessibility check (e2e, npm ci)"
    (cd e2e && npm ci --no-audit --no-fund)
  fi
}

# Builds the web app into web-app/dist, which the server serves.
build_web_app() {
  step "building the web app (trunk build --release)"
  trunk build --release
}
