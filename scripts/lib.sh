# Shared helpers of scripts/run.sh and scripts/test.sh (sourced, not run).

step() { printf '\n==> %s\n' "$*"; }

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

# ensure_cargo_tool BINARY CRATE VERSION: install a cargo tool unless that
# version is already on PATH.
ensure_cargo_tool() {
  local binary=$1 crate=$2 version=$3
  if command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -q "$version"; then
    return
  fi
  if [ "$binary" = cargo-fuzz ] && cargo fuzz --version 2>/dev/null | grep -q "$version"; then
    return
  fi
  step "installing $crate $version"
  cargo install --locked "$crate@$version"
}
