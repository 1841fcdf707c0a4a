//! Writes the server's OpenAPI document (the one `/api/openapi.json`
//! serves, generated from the handlers) to standard output:
//! `cargo run -p sheetlink-server --example openapi > openapi.json`.

use std::io::Write as _;

fn main() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(sheetlink_server::openapi::json().as_bytes())?;
    out.write_all(b"\n")
}
