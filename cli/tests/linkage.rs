//! `sheetlink import` / `sheetlink export` as processes against a real
//! `sheetlink-server` process on port 0 with the demo tenant.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

struct ServerProcess {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Builds (if needed) and starts the server binary of this workspace,
/// sending mail to `smtp_port` on 127.0.0.1, with `env` added.
fn start_server(smtp_port: u16, env: &[(&str, String)]) -> ServerProcess {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "sheetlink-server"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "sheetlink-server builds");
    let binary = Path::new(env!("CARGO_BIN_EXE_sheetlink"))
        .with_file_name(format!("sheetlink-server{}", std::env::consts::EXE_SUFFIX));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-linkage-{}-{smtp_port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut child = Command::new(&binary)
        .env("SHEETLINK_LISTEN", "127.0.0.1:0")
        .env("SHEETLINK_DEMO", "1")
        .env("SHEETLINK_DATA_DIR", dir.join("data"))
        .env("SHEETLINK_WEB_DIR", dir.join("no-web-app"))
        .env("SHEETLINK_SMTP_HOST", "127.0.0.1")
        .env("SHEETLINK_SMTP_PORT", smtp_port.to_string())
        .env("SHEETLINK_SMTP_SECURITY", "none")
        .env("SHEETLINK_MAIL_FROM", "sheetlink <no-reply@example.co.jp>")
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    ServerProcess { child, url, dir }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Signs in as the demo admin, sets a notification address and issues a
/// batch token: the session cookie and the token.
fn issue_token(server: &ServerProcess) -> (String, String) {
    let agent = agent();
    let mut login = agent
        .post(&format!("{}/api/login", server.url))
        .header("Content-Type", "application/json")
        .send(r#"{"login_id":"admin","password":"admin-demo-2026"}"#)
        .expect("login");
    assert_eq!(login.status().as_u16(), 200);
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cookie = cookie.split(';').next().unwrap_or_default().to_owned();
    let _ = login.body_mut().read_to_string();
    let saved = agent
        .put(&format!("{}/api/linkage/settings", server.url))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/json")
        .send(r#"{"enabled":true,"allowed_ips":"127.0.0.1","auth":"token","timeline_targets":[],"emails":["ops@example.co.jp"]}"#)
        .expect("settings");
    assert_eq!(saved.status().as_u16(), 200);
    let mut issued = agent
        .post(&format!("{}/api/linkage/token", server.url))
        .header("Cookie", &cookie)
        .send_empty()
        .expect("token");
    let body: serde_json::Value =
        serde_json::from_str(&issued.body_mut().read_to_string().expect("body")).expect("json");
    (cookie, body["token"].as_str().expect("a token").to_owned())
}

fn sheetlink(conf: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sheetlink"))
        .arg("--conf")
        .arg(conf)
        .args(args)
        .output()
        .expect("sheetlink runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `sheetlink import customers --dir INBOX` with `conf`.
fn import_dir(conf: &Path, inbox: &Path) -> (i32, String) {
    sheetlink(
        conf,
        &[
            "import",
            "customers",
            "--dir",
            inbox.to_str().unwrap_or_default(),
        ],
    )
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// An SMTP server on 127.0.0.1 that hands each message it receives over.
fn smtp_sink() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut writer = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            let _ = writer.write_all(b"220 sink\r\n");
            let (mut data, mut in_data, mut line) = (String::new(), false, String::new());
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let answer: &[u8] = if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        let _ = sender.send(std::mem::take(&mut data));
                        b"250 queued\r\n"
                    } else {
                        data.push_str(&line);
                        b""
                    }
                } else if line.to_ascii_uppercase().starts_with("DATA") {
                    in_data = true;
                    b"354 go ahead\r\n"
                } else if line.to_ascii_uppercase().starts_with("QUIT") {
                    let _ = writer.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = writer.write_all(answer);
                line.clear();
            }
        }
    });
    (port, received)
}

#[test]
fn imports_a_folder_and_exports_shift_jis() {
    let (smtp_port, mail) = smtp_sink();
    let server = start_server(smtp_port, &[]);
    let (_, token) = issue_token(&server);
    let work = server.dir.join("client");
    let inbox = work.join("in");
    std::fs::create_dir_all(&inbox).expect("inbox");
    let conf = work.join("linkage.conf");
    std::fs::write(
        &conf,
        format!("linkage.url={}\nlinkage.token={token}\n", server.url),
    )
    .expect("conf");

    let header = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n";
    std::fs::write(
        inbox.join("1-good.csv"),
        shift_jis(&format!(
            "{header}K-1,株式会社バッチ商事,03-5555-0001,batch@example.co.jp,C000001,A\r\n"
        )),
    )
    .expect("good");
    std::fs::write(
        inbox.join("2-partly.csv"),
        shift_jis(&format!(
            "{header}K-2,株式会社半分,,,,B\r\nK-3,株式会社ランク違い,,,,Z\r\n"
        )),
    )
    .expect("partly");
    std::fs::write(inbox.join("notes.txt"), "not a CSV").expect("other file");

    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 1, "the worst file completed with errors:\n{log}");
    assert!(
        log.lines()
            .all(|l| l.len() > 21 && l.as_bytes()[4] == b'-' && l.contains("Z [")),
        "timestamped lines:\n{log}"
    );
    assert!(inbox.join("done/1-good.csv").is_file());
    let good = std::fs::read_to_string(inbox.join("done/1-good.csv.result.csv")).expect("result");
    assert!(good.contains("2,created,K-1,"), "{good}");
    assert!(inbox.join("failed/2-partly.csv").is_file());
    let partly =
        std::fs::read_to_string(inbox.join("failed/2-partly.csv.result.csv")).expect("result");
    assert!(
        partly.contains("2,created,K-2") && partly.contains("3,failed,,"),
        "{partly}"
    );
    assert!(
        inbox.join("notes.txt").is_file(),
        "other files are left alone"
    );
    assert!(!inbox.join("1-good.csv").exists());

    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 0, "nothing left to do:\n{log}");
    // The server's mail task sends each run's notification.
    let message = mail
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a notification e-mail");
    assert!(
        message.contains("To: ops@example.co.jp") && message.contains("Subject: "),
        "{message}"
    );

    let out = work.join("out");
    let (code, log) = sheetlink(
        &conf,
        &[
            "export",
            "customers-sjis",
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code, 0, "{log}");
    let file = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .next()
        .expect("an export")
        .path();
    assert!(
        file.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("customers-sjis_") && n.ends_with(".csv"))
    );
    let bytes = std::fs::read(&file).expect("bytes");
    assert!(std::str::from_utf8(&bytes).is_err(), "Shift_JIS, not UTF-8");
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!malformed);
    assert!(
        text.starts_with("顧客ID,顧客名,電話番号,ランク\r\n"),
        "{text:.80}"
    );
    assert!(text.contains("K-1,株式会社バッチ商事,03-5555-0001,A\r\n"));

    // A file refused as a whole (the mapped columns are missing): all
    // failed, exit 2, moved to failed/ with a result naming the reason.
    std::fs::write(
        inbox.join("4-refused.csv"),
        shift_jis("別の表,何か\r\nx,y\r\n"),
    )
    .expect("refused");
    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 2, "{log}");
    assert!(inbox.join("failed/4-refused.csv").is_file());
    let refused =
        std::fs::read_to_string(inbox.join("failed/4-refused.csv.result.csv")).expect("result");
    assert!(
        refused.contains(",failed,,") && refused.contains("顧客ID"),
        "the reason names the missing column: {refused}"
    );
    // Record ids come from the uploaded file: the result CSV protects them
    // from spreadsheets; a file of over 10,000 rows lists its failed rows
    // and ends with a line saying how many are not listed.
    let mut long = String::from(header);
    long.push_str("=1+2,株式会社式,,,,A\r\n");
    for n in 0..10_050 {
        let rank = if n == 5 { "Z" } else { "A" };
        long.push_str(&format!("L-{n},株式会社{n},,,,{rank}\r\n"));
    }
    std::fs::write(inbox.join("5-long.csv"), shift_jis(&long)).expect("long");
    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 1, "{log}");
    let result =
        std::fs::read_to_string(inbox.join("failed/5-long.csv.result.csv")).expect("result");
    let lines: Vec<&str> = result.lines().collect();
    assert_eq!(lines.len(), 3, "{result:.400}");
    assert!(lines[1].starts_with("8,failed,,"), "{}", lines[1]);
    assert!(
        lines[2].starts_with(",not_listed,,") && lines[2].contains("10050"),
        "{}",
        lines[2]
    );
    let mut short = String::from(header);
    short.push_str("=1+2,株式会社式,,,,A\r\n@SUM(A1),株式会社式2,,,,A\r\n");
    std::fs::write(inbox.join("6-formula.csv"), shift_jis(&short)).expect("formula");
    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 0, "{log}");
    let result =
        std::fs::read_to_string(inbox.join("done/6-formula.csv.result.csv")).expect("result");
    assert!(
        result.contains("\r\n2,unchanged,'=1+2,\r\n")
            && result.contains("\r\n3,created,'@SUM(A1),\r\n"),
        "{result}"
    );

    for key in ["-rf", "a.b"] {
        let (code, log) = sheetlink(&conf, &["import", "--dir", ".", "--", key]);
        assert_eq!(code, 3, "{key} is refused: {log}");
        assert!(log.contains("condition key"), "{log}");
    }

    // A wrong token is an authentication problem: 3, and files stay put.
    std::fs::write(
        inbox.join("3-later.csv"),
        shift_jis(&format!("{header}K-9,後で,,,,A\r\n")),
    )
    .expect("later");
    std::fs::write(
        &conf,
        format!(
            "linkage.url={}\nlinkage.token=slk_demo_{}\n",
            server.url,
            "0".repeat(64)
        ),
    )
    .expect("conf");
    let (code, log) = import_dir(&conf, &inbox);
    assert_eq!(code, 3, "{log}");
    assert!(inbox.join("3-later.csv").is_file());
    let (code, _) = sheetlink(&work.join("missing.conf"), &["export", "customers-sjis"]);
    assert_eq!(code, 3);
}

/// A free port on 127.0.0.1 (the server's public URL must be known before it
/// starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Builds the client for Windows x86-64 (debug, with mingw) and answers
/// where it is.
fn windows_client() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "sheetlink-cli",
            "--target",
            "x86_64-pc-windows-gnu",
        ])
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the client builds for Windows (rustup target add x86_64-pc-windows-gnu; apt-get install gcc-mingw-w64-x86-64)"
    );
    // target/debug/sheetlink → target/x86_64-pc-windows-gnu/debug/sheetlink.exe
    let target = Path::new(env!("CARGO_BIN_EXE_sheetlink"))
        .ancestors()
        .nth(2)
        .expect("the target folder");
    target.join("x86_64-pc-windows-gnu/debug/sheetlink.exe")
}

/// A PE file for x86-64: `MZ`, the `PE\0\0` signature where bytes 60..64
/// point, machine 0x8664.
fn is_pe_x86_64(bytes: &[u8]) -> bool {
    let Some(offset) = bytes.get(60..64) else {
        return false;
    };
    let offset = u32::from_le_bytes([offset[0], offset[1], offset[2], offset[3]]) as usize;
    bytes.starts_with(b"MZ")
        && bytes.get(offset..offset + 6) == Some(&[b'P', b'E', 0, 0, 0x64, 0x86][..])
}

#[test]
fn the_client_module_holds_a_client_that_runs_its_scripts() {
    let exe = windows_client();
    let (smtp_port, _mail) = smtp_sink();
    let port = free_port();
    let programs = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("client-programs-{}", std::process::id()));
    std::fs::create_dir_all(&programs).expect("programs folder");
    std::fs::copy(env!("CARGO_BIN_EXE_sheetlink"), programs.join("sheetlink")).expect("linux");
    std::fs::copy(&exe, programs.join("sheetlink.exe")).expect("windows");
    let url = format!("http://127.0.0.1:{port}");
    let server = start_server(
        smtp_port,
        &[
            ("SHEETLINK_LISTEN", format!("127.0.0.1:{port}")),
            ("SHEETLINK_PUBLIC_URL", url.clone()),
            ("SHEETLINK_CLIENT_DIR", programs.display().to_string()),
        ],
    );
    assert_eq!(server.url, url);
    let (cookie, token) = issue_token(&server);
    let agent = agent();
    let module = |token: Option<&str>| -> Vec<u8> {
        let mut answer = agent
            .post(&format!("{url}/api/linkage/client-module"))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/json")
            .send(serde_json::json!({ "token": token }).to_string())
            .expect("module");
        assert_eq!(answer.status().as_u16(), 200);
        answer
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_vec()
            .expect("zip")
    };
    let info = |agent: &ureq::Agent| -> serde_json::Value {
        let mut answer = agent
            .get(&format!("{url}/api/linkage/client-module"))
            .header("Cookie", &cookie)
            .call()
            .expect("info");
        serde_json::from_str(&answer.body_mut().read_to_string().expect("body")).expect("json")
    };
    let held = info(&agent);
    assert!(
        held["programs"][0]["bytes"].as_u64().is_some()
            && held["programs"][1]["bytes"].as_u64().is_some(),
        "{held}"
    );

    // Unpacked as an admin would: the scripts run from their own folder.
    let unpacked = server.dir.join("unpacked");
    zip::ZipArchive::new(std::io::Cursor::new(module(Some(&token))))
        .expect("a zip")
        .extract(&unpacked)
        .expect("unpacks");
    let home = unpacked.join("sheetlink");
    let exe = std::fs::read(home.join("sheetlink.exe")).expect("the Windows client");
    assert!(is_pe_x86_64(&exe), "sheetlink.exe is a PE file for x86-64");
    assert!(home.join("in/customers").is_dir() && home.join("out/customers-sjis").is_dir());
    std::fs::write(
        home.join("in/customers/today.csv"),
        shift_jis(
            "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nM-1,株式会社モジュール商事,03-5555-0101,module@example.co.jp,,A\r\n",
        ),
    )
    .expect("a file to import");
    let run = |script: &str| {
        let output = Command::new(home.join(script))
            .current_dir(std::env::temp_dir())
            .output()
            .expect("the script runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, log) = run("import_customers.sh");
    assert_eq!(code, 0, "{log}");
    assert!(home.join("in/customers/done/today.csv").is_file(), "{log}");
    let result = std::fs::read_to_string(home.join("in/customers/done/today.csv.result.csv"))
        .expect("the result beside it");
    assert!(result.contains("2,created,M-1"), "{result}");
    let (code, log) = run("export_customers-sjis.sh");
    assert_eq!(code, 0, "{log}");
    let written = std::fs::read_dir(home.join("out/customers-sjis"))
        .expect("out")
        .flatten()
        .next()
        .expect("an export")
        .path();
    let bytes = std::fs::read(written).expect("the file written");
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!malformed && text.contains("M-1,株式会社モジュール商事,03-5555-0101,A\r\n"));

    // Without the Windows program the module is still built, and says so.
    std::fs::remove_file(programs.join("sheetlink.exe")).expect("removed");
    let held = info(&agent);
    assert!(held["programs"][1]["bytes"].is_null(), "{held}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(module(None))).expect("a zip");
    assert!(zip.by_name("sheetlink/sheetlink.exe").is_err());
    assert!(zip.by_name("sheetlink/sheetlink").is_ok());
    let mut readme = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("sheetlink/README.txt").expect("README"),
        &mut readme,
    )
    .expect("text");
    assert!(
        readme.contains("sheetlink.exe (Windows x86-64): 同梱されていません"),
        "{readme}"
    );
    let _ = std::fs::remove_dir_all(&programs);
}
