//! The browser benchmark: in headless Chromium, validates the generated
//! 10,000 × 1,000 evaluation sheet (about 30 MB) with the engine in the Web
//! Worker, and in the same page with the same rules written in JavaScript
//! over Papa Parse; prints times and memory of both.
//!
//! `scripts/bench-browser.sh` runs it (it builds the app and installs Papa
//! Parse first). Goal: at most 0.5 s, and at least 5× faster than Papa Parse.

use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use sheetlink_e2e::{Browser, Server, workspace};
use sheetlink_engine::evaluation::sample::{filled_template, sheet_schema};
use tower_http::services::{ServeDir, ServeFile};

const EVALUATEES: usize = 10_000;
const ITEMS: usize = 1_000;

#[tokio::main]
#[allow(clippy::print_stdout)] // the figures are this program's output
async fn main() -> anyhow::Result<()> {
    let schema = sheet_schema(ITEMS, EVALUATEES);
    let file = filled_template(&schema, EVALUATEES, 42);
    let schema_json = serde_json::to_string(&schema)?;
    let page = workspace().join("bench/browser");
    let papa = page.join("node_modules/papaparse/papaparse.min.js");
    if !papa.is_file() {
        bail!(
            "Papa Parse is missing: run `npm ci` in bench/browser (scripts/bench-browser.sh does)"
        );
    }
    let extra = Router::new()
        .route(
            "/bench/file.csv",
            get(move || {
                let file = file.clone();
                async move { ([(CONTENT_TYPE, "text/csv")], file) }
            }),
        )
        .route(
            "/bench/schema.json",
            get(move || {
                let json = schema_json.clone();
                async move { ([(CONTENT_TYPE, "application/json")], json) }
            }),
        )
        .route_service("/bench/papaparse.min.js", ServeFile::new(papa))
        .nest_service("/bench", ServeDir::new(page));
    let server = Server::start_with("browser-bench", extra).await?;
    let browser = Browser::start("browser-bench").await?;
    browser
        .goto(&format!("{}/bench/index.html", server.url))
        .await?;
    browser
        .wait_until("window.benchResult !== undefined", Duration::from_secs(600))
        .await?;
    let result = browser.eval("return window.benchResult;").await?;
    browser.close().await;
    if let Some(error) = result.get("error") {
        bail!("the benchmark page failed: {error}");
    }
    let wasm = &result["wasm"];
    let papa = &result["papa"];
    let number = |value: &serde_json::Value, name: &str| {
        value[name]
            .as_f64()
            .with_context(|| format!("{name} missing in {value}"))
    };
    for name in ["evaluatees", "valid", "errors"] {
        if wasm[name] != papa[name] {
            bail!(
                "the contenders disagree on {name}: wasm {} vs Papa Parse {}",
                wasm[name],
                papa[name]
            );
        }
    }
    let megabytes = number(&result, "bytes")? / 1e6;
    let (wasm_median, papa_median) = (number(wasm, "median")?, number(papa, "median")?);
    let speedup = papa_median / wasm_median;
    println!(
        "browser benchmark: {EVALUATEES} evaluatees × {ITEMS} items, {megabytes:.1} MB, headless Chromium"
    );
    println!(
        "  engine (wasm, Web Worker): median {wasm_median:.0} ms, best {:.0} ms ({:.0} MB/s); wasm memory {:.0} MB",
        number(wasm, "best")?,
        megabytes / (wasm_median / 1000.0),
        number(wasm, "memoryBytes")? / 1e6,
    );
    println!(
        "  Papa Parse + JS rules:     median {papa_median:.0} ms, best {:.0} ms; JS heap growth {:.0} MB",
        number(papa, "best")?,
        number(papa, "heapBytes")? / 1e6,
    );
    println!(
        "  {speedup:.1}× faster; goal ≤ 500 ms and ≥ 5×: {}",
        if wasm_median <= 500.0 && speedup >= 5.0 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!("  runs (ms): wasm {}  papa {}", wasm["runs"], papa["runs"]);
    Ok(())
}
