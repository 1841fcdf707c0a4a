//! A `sheetlink-server` process on a data directory of its own, for the
//! tests that kill, restart or hang up on a real server, and a minimal
//! HTTP/1.1 client over raw sockets (a client can close a connection
//! whenever it likes).

// Each test crate includes `process` and uses a part of these helpers.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server: stopped (SIGKILL) when dropped.
pub(crate) struct Server {
    /// The process.
    pub(crate) child: Child,
    /// `127.0.0.1:PORT`.
    pub(crate) address: String,
}

impl Server {
    /// Kills the process (SIGKILL: no clean shutdown) and waits for it.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the server with the demo tenant on `data_dir` (port 0), with
/// `env` added, and waits until it listens.
pub(crate) fn start(data_dir: &Path, env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sheetlink-server"))
        .env("SHEETLINK_LISTEN", "127.0.0.1:0")
        .env("SHEETLINK_DEMO", "1")
        .env("SHEETLINK_DATA_DIR", data_dir)
        .env("SHEETLINK_WEB_DIR", data_dir.join("no-web-app"))
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("listening line");
    let address = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{line}");
    Server { child, address }
}

/// The request's head: method, path, length and `headers`.
fn head(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    length: usize,
) -> String {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {length}\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// A minimal HTTP/1.1 exchange: status, headers (lower-case names), body.
pub(crate) fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .expect("timeout");
    let request = head(address, method, path, headers, body.len());
    stream.write_all(request.as_bytes()).expect("writes");
    stream.write_all(body).expect("writes body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("reads");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, response[split + 4..].to_vec())
}

/// The JSON of an exchange's body (`Null` when it is not JSON).
pub(crate) fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_default()
}

/// Sends a POST and waits until the connection ends, however it ends.
pub(crate) fn send_and_forget(address: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return;
    };
    let request = head(address, "POST", path, headers, body.len());
    if stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.write_all(body))
        .is_ok()
    {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

/// Sends a POST and hangs up `after` it was sent, answered or not: a
/// client (or a proxy) that gives up waiting.
pub(crate) fn send_and_hang_up(
    address: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    after: Duration,
) {
    let mut stream = TcpStream::connect(address).expect("connects");
    let request = head(address, "POST", path, headers, body.len());
    stream.write_all(request.as_bytes()).expect("writes");
    stream.write_all(body).expect("writes body");
    std::thread::sleep(after);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Signs in as the demo admin: the session cookie (`name=value`).
pub(crate) fn sign_in(address: &str) -> String {
    let body = br#"{"login_id": "admin", "password": "admin-demo-2026"}"#;
    let (status, headers, _) = http(
        address,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        body,
    );
    assert_eq!(status, 200);
    let cookie = headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    cookie.split(';').next().unwrap_or_default().to_owned()
}
