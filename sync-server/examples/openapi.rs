//! Prints the generated OpenAPI document (`cargo run -p sheetlink-server
//! --example openapi > openapi.json`), for clients that want it as a file.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(sheetlink_server::openapi::json().as_bytes())?;
    out.write_all(b"\n")
}
