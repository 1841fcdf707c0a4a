//! The batch-linkage client: `sheetlink import` and `sheetlink export`, run
//! by cron or Task Scheduler. Settings come from `linkage.conf`; transient
//! failures are retried with the same idempotency key, so a file is applied
//! once however often it is sent; every step is logged with a timestamp.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use sheetlink_protocol::linkage::RunStatus;

use crate::Exit;

/// How the client signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `linkage.token`.
    Token(String),
    /// `linkage.user` + `linkage.password`.
    Password {
        /// Login id.
        user: String,
        /// Password.
        password: String,
    },
}

/// `linkage.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conf {
    /// The server, e.g. `https://sheetlink.example.co.jp`.
    pub(crate) url: String,
    /// Credentials.
    pub(crate) auth: Auth,
}

/// Parses `key=value` lines (`#` comments, blank lines ignored).
pub(crate) fn parse_conf(text: &str) -> Result<Conf, String> {
    let mut url = None;
    let (mut token, mut user, mut password) = (None, None, None);
    for (number, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "line {}: expected key=value, found “{line}”",
                number + 1
            ));
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "linkage.url" => url = Some(value.trim_end_matches('/').to_owned()),
            "linkage.token" => token = Some(value),
            "linkage.user" => user = Some(value),
            "linkage.password" => password = Some(value),
            other => return Err(format!("line {}: unknown setting “{other}”", number + 1)),
        }
    }
    let url = url
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or("linkage.url (http:// or https://) is missing")?;
    let auth = match (token.filter(|t| !t.is_empty()), user, password) {
        (Some(token), _, _) => Auth::Token(token),
        (None, Some(user), Some(password)) if !user.is_empty() => Auth::Password { user, password },
        _ => return Err("set linkage.token, or linkage.user and linkage.password".into()),
    };
    Ok(Conf { url, auth })
}

/// Reads `path`, or `linkage.conf` in the current directory.
pub(crate) fn load_conf(path: Option<&Path>) -> anyhow::Result<Conf> {
    let path = path.map_or_else(|| PathBuf::from("linkage.conf"), Path::to_path_buf);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse_conf(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A timestamped log line on standard error (UTC, ISO 8601).
#[allow(clippy::print_stderr)] // the log is the client's output
pub(crate) fn log(level: &str, message: &str) {
    eprintln!("{} [{level}] {message}", timestamp(now_seconds(), true));
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2026-11-26T09:30:00Z` (or `20261126-093000` for file names).
fn timestamp(seconds: u64, iso: bool) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    if iso {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{year:04}{month:02}{day:02}-{h:02}{m:02}{s:02}")
    }
}

/// What the server answered, after retries.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// Attempts per request; waits of 2, 4 and 8 seconds between them.
const ATTEMPTS: u32 = 4;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3_600)))
        .build()
        .into()
}

fn authorization(auth: &Auth) -> String {
    match auth {
        Auth::Token(token) => format!("Bearer {token}"),
        Auth::Password { user, password } => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        ),
    }
}

/// Sends a request, retrying connection failures, 429 and 5xx answers.
fn send(conf: &Conf, path: &str, upload: Option<(&[u8], &str)>) -> anyhow::Result<Answer> {
    let agent = agent();
    let url = format!("{}{path}", conf.url);
    let mut wait = Duration::from_secs(2);
    for attempt in 1..=ATTEMPTS {
        let outcome = match upload {
            Some((bytes, idempotency_key)) => agent
                .post(&url)
                .header("Authorization", &authorization(&conf.auth))
                .header("Content-Type", "text/csv")
                .header("Idempotency-Key", idempotency_key)
                .send(bytes),
            None => agent
                .get(&url)
                .header("Authorization", &authorization(&conf.auth))
                .call(),
        };
        let transient = match outcome {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(1 << 30)
                    .read_to_vec()
                    .context("reading the answer")?;
                if status != 429 && status < 500 {
                    return Ok(Answer { status, body });
                }
                format!("HTTP {status}")
            }
            Err(error) => error.to_string(),
        };
        if attempt == ATTEMPTS {
            bail!("{url}: {transient} (gave up after {ATTEMPTS} attempts)");
        }
        log(
            "WARN",
            &format!(
                "{url}: {transient}; retrying in {} s (attempt {attempt}/{ATTEMPTS})",
                wait.as_secs()
            ),
        );
        std::thread::sleep(wait);
        wait *= 2;
    }
    bail!("unreachable")
}

/// What the batch API answers: the run, with its row results.
type Run = sheetlink_protocol::linkage::LinkageRun;

fn server_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect())
}

/// The exit code of an HTTP refusal: credentials, access and unknown keys
/// are configuration problems (3); anything else failed the file (2).
fn refusal_exit(status: u16) -> Exit {
    match status {
        401 | 403 | 404 => Exit::Configuration,
        _ => Exit::Failed,
    }
}

/// How often, and for how long at most, a run still applying is asked
/// after.
const POLL_EVERY: Duration = if cfg!(test) {
    Duration::from_millis(20)
} else {
    Duration::from_secs(3)
};
const POLL_FOR: Duration = Duration::from_secs(3 * 3_600);

/// Follows the run `id` until it is no longer `running`.
fn wait_for(conf: &Conf, key: &str, id: &str) -> anyhow::Result<Run> {
    log(
        "INFO",
        &format!("import {key}: run {id} is still applying on the server; waiting for it"),
    );
    let until = std::time::Instant::now() + POLL_FOR;
    loop {
        std::thread::sleep(POLL_EVERY);
        let answer = send(conf, &format!("/api/batch/runs/{id}"), None)?;
        if answer.status != 200 {
            bail!(
                "run {id}: HTTP {}: {}",
                answer.status,
                server_message(&answer.body)
            );
        }
        let run: Run = serde_json::from_slice(&answer.body).context("the server's answer")?;
        if run.status != RunStatus::Running {
            return Ok(run);
        }
        if std::time::Instant::now() >= until {
            bail!(
                "run {id} was still applying after {} hours; see the server's linkage history",
                POLL_FOR.as_secs() / 3_600
            );
        }
    }
}

/// One file imported: its exit code and the result CSV.
fn import_one(conf: &Conf, key: &str, file: &Path) -> anyhow::Result<(Exit, Option<String>)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    // One key per file and run: retries of this run apply it once.
    let idempotency_key = format!(
        "{key}-{}-{}-{:016x}",
        timestamp(now_seconds(), false),
        std::process::id(),
        fingerprint(&bytes)
    );
    log(
        "INFO",
        &format!(
            "import {key}: sending {} ({} bytes)",
            file.display(),
            bytes.len()
        ),
    );
    let answer = send(
        conf,
        &format!("/api/batch/imports/{key}"),
        Some((&bytes, &idempotency_key)),
    )?;
    if answer.status != 200 && answer.status != 202 {
        let exit = refusal_exit(answer.status);
        log(
            "ERROR",
            &format!(
                "import {key}: HTTP {}: {}",
                answer.status,
                server_message(&answer.body)
            ),
        );
        return Ok((exit, None));
    }
    let mut run: Run = serde_json::from_slice(&answer.body).context("the server's answer")?;
    if run.status == RunStatus::Running {
        // A retry of this run (its first request timed out on the way)
        // found it still applying on the server: follow it to its end.
        run = wait_for(conf, key, &run.id)?;
    }
    let c = &run.counts;
    log(
        if run.status == RunStatus::Completed {
            "INFO"
        } else {
            "WARN"
        },
        &format!(
            "import {key}: {} (run {}): {} rows: {} created, {} updated, {} unchanged, {} skipped, {} failed",
            run.status.as_str(),
            run.id,
            c.rows_in,
            c.created,
            c.updated,
            c.unchanged,
            c.skipped,
            c.failed
        ),
    );
    let exit = match run.status {
        RunStatus::Completed => Exit::Success,
        RunStatus::CompletedWithErrors => Exit::CompletedWithErrors,
        RunStatus::AllFailed | RunStatus::Interrupted | RunStatus::Running => Exit::Failed,
    };
    let mut csv = String::from("\u{feff}row,outcome,record,message\r\n");
    if let Some(reason) = &run.reason {
        // The file was refused as a whole, or the run stopped before it
        // committed: one line, for no row, saying why.
        let what = if run.status == RunStatus::Interrupted {
            "the run stopped on the server, nothing applied"
        } else {
            "the file was refused"
        };
        log("ERROR", &format!("import {key}: {what}: {reason}"));
        let _ = write!(csv, ",failed,,{}\r\n", quote(reason));
    }
    for row in &run.rows {
        let _ = write!(
            csv,
            "{},{},{},{}\r\n",
            row.row,
            row.outcome,
            quote(row.record.as_deref().unwrap_or_default()),
            quote(row.message.as_deref().unwrap_or_default())
        );
    }
    if run.rows_truncated {
        // The counts are exact; say what the lines above leave out.
        let c = &run.counts;
        let listed = run.rows.len() as u64;
        let not_listed = u64::from(c.rows_in).saturating_sub(listed);
        let _ = write!(
            csv,
            ",not_listed,,{}\r\n",
            quote(&format!(
                "{not_listed}行は一覧にありません（成功した行、または上限を超えた行）。件数: 新規{} 更新{} 変更なし{} スキップ{} 失敗{} / {not_listed} rows are not listed (successful rows, or rows past the limit); counts: {} created, {} updated, {} unchanged, {} skipped, {} failed",
                c.created,
                c.updated,
                c.unchanged,
                c.skipped,
                c.failed,
                c.created,
                c.updated,
                c.unchanged,
                c.skipped,
                c.failed
            ))
        );
    }
    Ok((exit, Some(csv)))
}

/// One cell of a result CSV: formula-protected with the engine's rule (a
/// record id comes from the uploaded file, and the file is opened in a
/// spreadsheet), then quoted where it must be.
fn quote(value: &str) -> String {
    let value = sheetlink_engine::csv_write::protect(value);
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.into_owned()
    }
}

/// FNV-1a of the bytes: distinguishes files in idempotency keys.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `sheetlink import KEY FILE`.
pub(crate) fn import_file(conf: &Conf, key: &str, file: &Path) -> anyhow::Result<Exit> {
    let (exit, result) = import_one(conf, key, file)?;
    if let Some(csv) = result {
        let path = result_path(file);
        std::fs::write(&path, csv).with_context(|| format!("cannot write {}", path.display()))?;
        log(
            "INFO",
            &format!("import {key}: results in {}", path.display()),
        );
    }
    Ok(exit)
}

fn result_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".result.csv");
    file.with_file_name(name)
}

/// `sheetlink import KEY --dir DIR`: every `*.csv` in DIR (by name), each
/// moved to `DIR/done/` (completed) or `DIR/failed/` (anything else) with
/// its result CSV beside it. The exit code is the worst of the files'.
pub(crate) fn import_dir(conf: &Conf, key: &str, dir: &Path) -> anyhow::Result<Exit> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        log(
            "INFO",
            &format!("import {key}: no CSV files in {}", dir.display()),
        );
        return Ok(Exit::Success);
    }
    let mut worst = Exit::Success;
    for file in files {
        let (exit, result) = match import_one(conf, key, &file) {
            Ok(outcome) => outcome,
            Err(error) => {
                log(
                    "ERROR",
                    &format!("import {key}: {}: {error:#}", file.display()),
                );
                (Exit::Failed, None)
            }
        };
        if exit == Exit::Configuration {
            // Nothing of this run can work; leave the files where they are.
            return Ok(exit);
        }
        let target = dir.join(if exit == Exit::Success {
            "done"
        } else {
            "failed"
        });
        std::fs::create_dir_all(&target)?;
        let mut moved = target.join(file.file_name().unwrap_or_default());
        if moved.exists() {
            let mut name = format!("{}-", timestamp(now_seconds(), false)).into_bytes();
            name.extend_from_slice(file.file_name().unwrap_or_default().as_encoded_bytes());
            moved = target.join(String::from_utf8_lossy(&name).into_owned());
        }
        std::fs::rename(&file, &moved)
            .with_context(|| format!("cannot move {} to {}", file.display(), moved.display()))?;
        if let Some(csv) = result {
            std::fs::write(result_path(&moved), csv)?;
        }
        log(
            "INFO",
            &format!("import {key}: moved to {}", moved.display()),
        );
        worst = worst.max(exit);
    }
    Ok(worst)
}

/// `sheetlink export KEY [--out DIR]`: writes `KEY_YYYYMMDD-HHMMSS.csv`
/// (UTC) in DIR, whole or not at all (written aside, then renamed).
pub(crate) fn export(conf: &Conf, key: &str, out: &Path) -> anyhow::Result<Exit> {
    log("INFO", &format!("export {key}: requesting"));
    let answer = send(conf, &format!("/api/batch/exports/{key}"), None)?;
    if answer.status != 200 {
        log(
            "ERROR",
            &format!(
                "export {key}: HTTP {}: {}",
                answer.status,
                server_message(&answer.body)
            ),
        );
        return Ok(refusal_exit(answer.status));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join(format!("{key}_{}.csv", timestamp(now_seconds(), false)));
    let partial = path.with_extension("csv.part");
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    file.write_all(&answer.body)?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)?;
    log(
        "INFO",
        &format!(
            "export {key}: {} bytes written to {}",
            answer.body.len(),
            path.display()
        ),
    );
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers the import `202` (the run still applying, as
    /// a retry finds it), then the run `running` once and `completed`:
    /// the paths it was asked, in order.
    fn following_server() -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead as _, BufReader, Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let server = std::thread::spawn(move || {
            let run = |status: &str| {
                format!(
                    r#"{{"id":"r1","kind":"batch","direction":"import","key":"customers","sheet":"customer","actor":"token","started_at":1,"ended_at":2,"status":"{status}","counts":{{"rows_in":2,"created":2,"updated":0,"unchanged":0,"skipped":0,"failed":0}}}}"#
                )
            };
            let answers = [
                ("202 Accepted", run("running")),
                ("200 OK", run("running")),
                ("200 OK", run("completed")),
            ];
            let mut asked = Vec::new();
            for (status, body) in answers {
                let (stream, _) = listener.accept().expect("a request");
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                reader.read_line(&mut line).expect("a request line");
                asked.push(line.split(' ').take(2).collect::<Vec<_>>().join(" "));
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).expect("a header");
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body_in = vec![0; length];
                reader.read_exact(&mut body_in).expect("the body");
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                reader
                    .get_mut()
                    .write_all(answer.as_bytes())
                    .expect("answers");
            }
            asked
        });
        (url, server)
    }

    #[test]
    fn a_run_still_applying_is_followed_to_its_end() {
        let (url, server) = following_server();
        let conf = Conf {
            url,
            auth: Auth::Token("slk_test".into()),
        };
        let file =
            std::env::temp_dir().join(format!("sheetlink-follow-{}.csv", std::process::id()));
        std::fs::write(&file, "顧客ID,顧客名\r\nA,a\r\nB,b\r\n").expect("writes");
        let (exit, csv) = import_one(&conf, "customers", &file).expect("imports");
        let _ = std::fs::remove_file(&file);
        assert_eq!(exit, Exit::Success, "the completed run's exit");
        assert!(csv.is_some());
        assert_eq!(
            server.join().expect("the server"),
            [
                "POST /api/batch/imports/customers",
                "GET /api/batch/runs/r1",
                "GET /api/batch/runs/r1"
            ]
        );
    }

    #[test]
    fn reads_linkage_conf() {
        let conf =
            parse_conf("# comment\nlinkage.url=https://x.example/\nlinkage.token = slk_demo_abc\n")
                .expect("valid");
        assert_eq!(conf.url, "https://x.example");
        assert_eq!(conf.auth, Auth::Token("slk_demo_abc".into()));
        let conf = parse_conf("linkage.url=http://h\nlinkage.user=admin\nlinkage.password=p=w\n")
            .expect("valid");
        assert_eq!(
            conf.auth,
            Auth::Password {
                user: "admin".into(),
                password: "p=w".into()
            }
        );
        assert!(
            parse_conf("linkage.token=x\n")
                .expect_err("no url")
                .contains("linkage.url")
        );
        assert!(
            parse_conf("linkage.url=http://h\n")
                .expect_err("no auth")
                .contains("linkage.token")
        );
        assert!(
            parse_conf("linkage.url=http://h\nlinkage.tokn=x\n")
                .expect_err("typo")
                .contains("line 2")
        );
    }

    #[test]
    fn timestamps_are_utc() {
        assert_eq!(timestamp(1_735_700_400, true), "2025-01-01T03:00:00Z");
        assert_eq!(timestamp(1_735_700_400, false), "20250101-030000");
    }
}
