//! Hostile and broken inputs over real HTTP, one line each: the request,
//! the status and code expected, that no business data changed, and that the
//! server still answers afterwards. Requests are written to a raw TCP socket,
//! so a body can disagree with its `Content-Length`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use sheetlink_server::Config;
use sheetlink_server::seed::DEMO_ADMIN;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

mod common;

/// What the server answered.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// How a request is sent.
enum Send {
    /// As it is.
    Whole,
    /// Its bytes, then the writing half is closed after `n` body bytes
    /// although `Content-Length` promises more.
    CutAfter(usize),
}

/// One raw request: the request line and headers (without the final blank
/// line; `Content-Length` is added from `body` unless `length` says
/// otherwise), and the body.
struct Raw {
    head: String,
    body: Vec<u8>,
    length: Option<usize>,
    send: Send,
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Raw {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    Raw {
        head,
        body,
        length: None,
        send: Send::Whole,
    }
}

async fn send(address: SocketAddr, raw: &Raw) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let length = raw.length.unwrap_or(raw.body.len());
    let mut bytes = raw.head.clone().into_bytes();
    write!(bytes, "Content-Length: {length}\r\n\r\n").expect("writes");
    match raw.send {
        Send::Whole => bytes.extend_from_slice(&raw.body),
        Send::CutAfter(n) => bytes.extend_from_slice(&raw.body[..n]),
    }
    // The server may answer (413) before the whole body is written.
    let _ = stream.write_all(&bytes).await;
    if matches!(raw.send, Send::CutAfter(_)) {
        let _ = stream.shutdown().await;
    }
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
            if let Some(answer) = parse(&received) {
                return Some(answer);
            }
        }
        parse(&received)
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the server answers within two minutes")
        .unwrap_or_else(|| {
            panic!(
                "no complete answer: {:?}",
                String::from_utf8_lossy(&received)
            )
        })
}

/// The first complete response in `bytes`, if there is one.
fn parse(bytes: &[u8]) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let body = bytes.get(end + 4..end + 4 + length)?;
    Some(Answer {
        status,
        body: body.to_vec(),
    })
}

/// A digest of the business data: evaluation sheets, CRM records, lists and
/// the change logs of imports.
fn data_digest(store: &sheetlink_server::Store) -> u64 {
    use sheetlink_server::store::tables::{CRM_RECORDS, IMPORT_CHANGES, LIST_HEADS, USER_SHEETS};
    store.with_db(|db| {
        let mut digest = 0xcbf2_9ce4_8422_2325u64;
        for table in [USER_SHEETS, CRM_RECORDS, LIST_HEADS, IMPORT_CHANGES] {
            for (key, value) in sheetlink_server::store::scan_raw(db, table, "").expect("reads") {
                for byte in key.bytes().chain(value) {
                    digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        digest
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("compresses");
    encoder.finish().expect("compresses")
}

/// A nested export filter `depth` levels deep.
fn nested_filter(depth: usize) -> Value {
    let mut filter = json!({"compare": {"field": "rank", "comparison": "equals", "value": "A"}});
    for _ in 0..depth {
        filter = json!({"all": [filter]});
    }
    filter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_hostile_inputs_change_nothing_and_the_server_stays_up() {
    let (app, store) = common::server("hostile", Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    // Signed in as the evaluation admin, with a batch token.
    let login = request(
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        json!({"login_id": "admin", "password": DEMO_ADMIN.1})
            .to_string()
            .into_bytes(),
    );
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let mut bytes = login.head.clone().into_bytes();
    write!(bytes, "Content-Length: {}\r\n\r\n", login.body.len()).expect("writes");
    bytes.extend_from_slice(&login.body);
    stream.write_all(&bytes).await.expect("sends");
    let mut received = vec![0u8; 8192];
    let n = stream.read(&mut received).await.expect("reads");
    let head = String::from_utf8_lossy(&received[..n]).into_owned();
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let token_answer = send(
        address,
        &request(
            "POST",
            "/api/linkage/token",
            &[("Cookie", &cookie)],
            Vec::new(),
        ),
    )
    .await;
    let token = serde_json::from_slice::<Value>(&token_answer.body).expect("json")["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let bearer = format!("Bearer {token}");

    let template = send(
        address,
        &request(
            "POST",
            "/api/periods/2026-h1/sheets/performance/template",
            &[("Cookie", &cookie), ("Content-Type", "application/json")],
            json!({"items": ["score_total", "goal1_comment"]})
                .to_string()
                .into_bytes(),
        ),
    )
    .await;
    assert_eq!(template.status, 200);
    let header: Vec<u8> = {
        let text = String::from_utf8(template.body.clone()).expect("UTF-8");
        text.split("\r\n")
            .take(4)
            .map(|l| format!("{l}\r\n"))
            .collect::<String>()
            .into_bytes()
    };
    let with_header = |rows: &[u8]| [header.as_slice(), rows].concat();
    let customers = "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n";

    let dry_run = "/api/periods/2026-h1/sheets/performance/imports?dry_run=true";
    let evaluation = |body: Vec<u8>| {
        request(
            "POST",
            dry_run,
            &[("Cookie", &cookie), ("Content-Type", "text/csv")],
            body,
        )
    };
    let evaluation_gzip = |body: Vec<u8>| {
        request(
            "POST",
            dry_run,
            &[
                ("Cookie", &cookie),
                ("Content-Type", "text/csv"),
                ("Content-Encoding", "gzip"),
            ],
            body,
        )
    };
    let batch = |key: &str, body: Vec<u8>| {
        request(
            "POST",
            &format!("/api/batch/imports/{key}"),
            &[("Authorization", &bearer), ("Content-Type", "text/csv")],
            body,
        )
    };
    let json_post = |path: &str, body: Vec<u8>| {
        request(
            "POST",
            path,
            &[("Cookie", &cookie), ("Content-Type", "application/json")],
            body,
        )
    };
    let get = |path: &str| request("GET", path, &[("Cookie", &cookie)], Vec::new());

    // Row 2 holds 15 million item ids; gzip makes it a few kilobytes.
    let header_bomb = {
        let mut file =
            b"version:1,period:2026-h1,sheet:performance\r\nname,employeenumber_or_email".to_vec();
        file.extend(std::iter::repeat_n(&b",i"[..], 15_000_000).flatten());
        file.extend_from_slice(b"\r\n");
        gzip(&file)
    };
    let truncated_gzip = {
        let full = gzip(&with_header(b"x,E0001,1,ok\r\n"));
        full[..full.len() / 2].to_vec()
    };
    let valid_rows = with_header("鈴木 太郎,E0002,40,良い\r\n".as_bytes());
    let long_body = {
        let mut raw = evaluation(valid_rows.clone());
        raw.length = Some(header.len() + 5);
        raw
    };
    let short_body = {
        let mut raw = evaluation(valid_rows.clone());
        raw.length = Some(valid_rows.len() + 1000);
        raw.send = Send::CutAfter(valid_rows.len());
        raw
    };
    let duplicate_keys = {
        let mut csv = String::from(customers);
        for n in 0..10_000 {
            csv.push_str(&format!("DUP-1,株式会社{n},,,,A\r\n"));
        }
        csv.into_bytes()
    };
    let one_huge_cell = {
        let mut csv = customers.as_bytes().to_vec();
        csv.extend_from_slice(b"C-1,");
        csv.extend(std::iter::repeat_n(b'a', 30 * 1024 * 1024 - 200));
        csv.extend_from_slice(b",,,,A\r\n");
        csv
    };
    let twice = json!({"condition": {
        "key": "twice", "sheet": "customer", "mode": "insert_and_update",
        "mappings": [
            {"source": {"header": "顧客ID"}, "field": "id", "update_with_blank": false},
            {"source": {"header": "顧客名"}, "field": "name", "update_with_blank": false},
            {"source": {"header": "別名"}, "field": "name", "update_with_blank": false}
        ],
        "matching_keys": ["id"]}});
    let wide_export = json!({"condition": {
        "key": "wide", "sheet": "customer", "encoding": "utf8",
        "columns": (0..65_000).map(|_| json!({"header": "x", "field": "name"})).collect::<Vec<_>>(),
    }});
    let deep_export = json!({"condition": {
        "key": "deep", "sheet": "customer", "encoding": "utf8",
        "filter": nested_filter(200),
        "columns": [{"header": "顧客名", "field": "name"}],
    }});

    // (what, request, status, a text the answer must hold)
    let cases: Vec<(&str, Raw, u16, &str)> = vec![
        (
            "gzip bomb (64 MB of zeros in 64 KB)",
            evaluation_gzip(gzip(&vec![0u8; 64 << 20])),
            413,
            "too_large",
        ),
        (
            "header bomb: 15M item ids in row 2, gzip",
            evaluation_gzip(header_bomb),
            200,
            "header.too_many_items",
        ),
        (
            "truncated gzip",
            evaluation_gzip(truncated_gzip),
            400,
            "gzip",
        ),
        (
            "gzip declared, plain body",
            evaluation_gzip(valid_rows.clone()),
            400,
            "gzip",
        ),
        (
            "body longer than its Content-Length",
            long_body,
            200,
            "all_failed",
        ),
        (
            "body shorter than its Content-Length",
            short_body,
            400,
            "ended early",
        ),
        (
            "Content-Length over 30 MB",
            {
                let mut raw = evaluation(Vec::new());
                raw.length = Some(31 * 1024 * 1024);
                raw
            },
            413,
            "too_large",
        ),
        (
            "NUL bytes in cells",
            evaluation(with_header(b"\0,E0002,\0,\0\0\r\n")),
            200,
            "number.invalid",
        ),
        (
            "not UTF-8",
            evaluation(with_header(b"\x82\xa0,E0002,1,\xff\r\n")),
            200,
            "file.encoding",
        ),
        (
            "empty body",
            evaluation(Vec::new()),
            200,
            "header.incomplete",
        ),
        (
            "1,000,000 empty lines",
            evaluation(with_header(&b"\r\n".repeat(1_000_000))),
            200,
            "\"rows_in\":0",
        ),
        (
            "a 30 MB single evaluation cell",
            evaluation(with_header(
                &[
                    b"x,E0002,1,".as_slice(),
                    &vec![b'a'; 30 * 1024 * 1024 - 400],
                    b"\r\n",
                ]
                .concat(),
            )),
            200,
            "text.too_long",
        ),
        (
            "2 MB login id",
            json_post(
                "/api/login",
                json!({"login_id": "a".repeat(2 << 20), "password": "x"})
                    .to_string()
                    .into_bytes(),
            ),
            413,
            "",
        ),
        (
            "300 KB login id",
            json_post(
                "/api/login",
                json!({"login_id": "a".repeat(300_000), "password": "x"})
                    .to_string()
                    .into_bytes(),
            ),
            400,
            "256",
        ),
        (
            "login JSON with duplicate keys",
            json_post(
                "/api/login",
                br#"{"login_id": "admin", "login_id": "leader", "password": "x"}"#.to_vec(),
            ),
            422,
            "",
        ),
        (
            "login as a form, not JSON",
            request(
                "POST",
                "/api/login",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"login_id=admin&password=x".to_vec(),
            ),
            415,
            "",
        ),
        (
            "export filter nested 200 deep",
            json_post(
                "/api/linkage/export-conditions",
                deep_export.to_string().into_bytes(),
            ),
            400,
            "",
        ),
        (
            "export condition with 65,000 columns",
            json_post(
                "/api/linkage/export-conditions",
                wide_export.to_string().into_bytes(),
            ),
            413,
            "",
        ),
        (
            "import condition mapping a field twice",
            json_post(
                "/api/linkage/import-conditions",
                twice.to_string().into_bytes(),
            ),
            400,
            "顧客名",
        ),
        (
            "batch: 10,000 rows with one duplicate key (the first applies)",
            batch("customers", duplicate_keys),
            200,
            "\"created\":1,\"updated\":0,\"unchanged\":0,\"skipped\":0,\"failed\":9999",
        ),
        (
            "batch: a 30 MB single cell",
            batch("customers", one_huge_cell),
            200,
            "10000文字以内",
        ),
        (
            "batch: 30 MB of x\\n (15M rows)",
            batch(
                "customers",
                [customers.as_bytes(), &b"x\n".repeat(15 * 1024 * 1024 - 100)].concat(),
            ),
            200,
            "1,000,000",
        ),
        (
            "batch: wrong token",
            request(
                "POST",
                "/api/batch/imports/customers",
                &[
                    ("Authorization", "Bearer slk_demo_00"),
                    ("X-Forwarded-For", &"1.2.3.4, ".repeat(1000)),
                ],
                customers.as_bytes().to_vec(),
            ),
            401,
            "",
        ),
        (
            "batch: ../ in the condition key",
            batch("..%2F..%2Fsettings", customers.as_bytes().to_vec()),
            404,
            "",
        ),
        (
            "../ in the period",
            evaluation_at(
                "/api/periods/..%2F..%2Fdemo/sheets/performance/imports?dry_run=true",
                &cookie,
                valid_rows.clone(),
            ),
            404,
            "",
        ),
        (
            "%2F in the sheet",
            evaluation_at(
                "/api/periods/2026-h1/sheets/perf%2F..%2Fx/imports?dry_run=true",
                &cookie,
                valid_rows.clone(),
            ),
            404,
            "",
        ),
        (
            "../ in an import id",
            get("/api/imports/..%2F..%2Fdemo"),
            404,
            "",
        ),
        (
            "../ in an error-file id",
            get("/api/imports/..%2Fx/error-file"),
            404,
            "",
        ),
        (
            "../ in a revert id",
            request(
                "POST",
                "/api/imports/..%2F..%2Fx/revert",
                &[("Cookie", &cookie)],
                Vec::new(),
            ),
            404,
            "",
        ),
        (
            "../ in a dry-run id",
            get("/api/dry-runs/..%2F..%2Fx"),
            404,
            "dry_run_expired",
        ),
        (
            "../ in an Idempotency-Key followed",
            get("/api/imports/by-key/..%2F..%2Fdemo%2Fevaluation%2Fx"),
            404,
            "unknown_import_key",
        ),
        (
            "../ in a linkage run id",
            get("/api/linkage/runs/..%2Fx"),
            404,
            "",
        ),
        (
            "../ in an import condition key",
            get("/api/linkage/import-conditions/..%2F..%2Fsettings"),
            404,
            "",
        ),
        (
            "../ in a script key",
            get("/api/linkage/export-conditions/..%2Fx/script"),
            404,
            "",
        ),
        (
            "../ in an export key",
            request(
                "GET",
                "/api/batch/exports/..%2F..%2Fx",
                &[("Authorization", &bearer)],
                Vec::new(),
            ),
            404,
            "",
        ),
        (
            "a 20 KB Idempotency-Key",
            request(
                "POST",
                "/api/periods/2026-h1/sheets/performance/imports",
                &[
                    ("Cookie", &cookie),
                    ("Idempotency-Key", &"k".repeat(20_000)),
                ],
                valid_rows.clone(),
            ),
            400,
            "Idempotency-Key",
        ),
        (
            "a template of 100,000 items",
            json_post(
                "/api/periods/2026-h1/sheets/performance/template",
                json!({"items": vec!["score_total"; 100_000]})
                    .to_string()
                    .into_bytes(),
            ),
            400,
            "1,000",
        ),
        (
            "settings body over 256 KiB",
            request(
                "PUT",
                "/api/linkage/settings",
                &[("Cookie", &cookie), ("Content-Type", "application/json")],
                vec![b' '; 300 * 1024],
            ),
            413,
            "",
        ),
        (
            "a 1 MB header line",
            request(
                "GET",
                "/api/me",
                &[("Cookie", &cookie), ("X-Junk", &"j".repeat(1 << 20))],
                Vec::new(),
            ),
            431,
            "",
        ),
    ];
    assert!(cases.len() >= 30, "{} cases", cases.len());

    // Every line is tried, and every failure reported at once.
    let mut before = data_digest(&store);
    let mut failures = Vec::new();
    for (what, raw, status, text) in &cases {
        let answer = send(address, raw).await;
        let body = String::from_utf8_lossy(&answer.body);
        if answer.status != *status || !body.contains(text) {
            failures.push(format!(
                "{what}: expected {status} with {text:?}, got {} {body:.300}",
                answer.status
            ));
        }
        let after = data_digest(&store);
        if after != before && !what.contains("(the first applies)") {
            failures.push(format!("{what} changed data"));
        }
        before = after;
        let me = send(address, &get("/api/me")).await;
        if me.status != 200 {
            failures.push(format!("the server did not answer after {what}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn evaluation_at(path: &str, cookie: &str, body: Vec<u8>) -> Raw {
    request(
        "POST",
        path,
        &[("Cookie", cookie), ("Content-Type", "text/csv")],
        body,
    )
}
