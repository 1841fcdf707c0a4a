//! Prints the generated OpenAPI document (`cargo run -p sheetlink-server
//! --example openapi > openapi.json`), for clients that want it as a file.

#[allow(clippy::print_stdout)]
fn main() {
    println!("{}", sheetlink_server::openapi::json());
}
