//! From nothing, as an operator and the people of a new tenant would do it:
//! `sheetlink-server tenant create` on an empty data directory (server
//! stopped) → the server starts → the set-up link signs the admin in → the
//! admin creates a group, a leader and a member by hand → each signs in and
//! may do what their role allows. Then the commands against the running
//! server (a second tenant, the list, disabling a tenant), and the operator
//! file gone after a clean stop.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn operator(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sheetlink-server"))
        .env("SHEETLINK_DATA_DIR", dir)
        .env("SHEETLINK_PUBLIC_URL", "https://hr.example.co.jp")
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .expect("the command runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The set-up token printed by `tenant create`.
fn token_in(printed: &str) -> String {
    let line = printed
        .lines()
        .find(|l| l.starts_with("https://hr.example.co.jp/setup#"))
        .unwrap_or_else(|| panic!("a set-up link in {printed}"));
    line.rsplit_once('#').expect("a token").1.to_owned()
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sheetlink-server"))
        .env("SHEETLINK_LISTEN", "127.0.0.1:0")
        .env("SHEETLINK_DATA_DIR", dir)
        .env("SHEETLINK_PUBLIC_URL", "https://hr.example.co.jp")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    // The operator endpoint is up once its file is written.
    let file = dir.join("operator.json");
    let started = Instant::now();
    while !file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no operator.json"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, base }
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, Option<String>) {
        let url = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string())
                .expect("request"),
            None => request.body(String::new()).expect("request"),
        };
        let mut response = self.agent.run(request).expect("answers");
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            cookie,
        )
    }

    fn set_up(&self, token: &str, password: &str) -> String {
        let (status, me, cookie) = self.send(
            "POST",
            "/api/setup",
            None,
            Some(json!({"token": token, "password": password})),
        );
        assert_eq!(status, 200, "{me}");
        cookie.expect("signed in")
    }

    fn sign_in(&self, tenant: &str, login: &str, password: &str) -> (String, Value) {
        let (status, me, cookie) = self.send(
            "POST",
            "/api/login",
            None,
            Some(json!({"tenant": tenant, "login_id": login, "password": password})),
        );
        assert_eq!(status, 200, "{login}: {me}");
        (cookie.expect("a session"), me)
    }
}

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sheetlink-operator-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_tenant_from_nothing() {
    let dir = fresh_dir();
    // Server stopped: the command opens the directory itself.
    let printed = stdout(&operator(
        &dir,
        &[
            "tenant",
            "create",
            "acme",
            "--admin",
            "Sato",
            "--name",
            "アクメ株式会社",
            "--admin-name",
            "佐藤 人事",
        ],
    ));
    assert!(printed.contains("in the data directory"), "{printed}");
    let admin_token = token_in(&printed);
    let bad = operator(&dir, &["tenant", "create", "Bad/Id", "--admin", "x"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("組織ID"),
        "says what is wrong"
    );

    let server = start(&dir);
    let client = Client {
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into(),
        base: server.base.clone(),
    };
    // Nobody is known by a password yet; the link signs the admin in.
    let (status, info, _) = client.send(
        "POST",
        "/api/setup/info",
        None,
        Some(json!({"token": admin_token})),
    );
    assert_eq!(
        (
            status,
            info["login_id"].as_str(),
            info["tenant_name"].as_str()
        ),
        (200, Some("sato"), Some("アクメ株式会社"))
    );
    let admin = client.set_up(&admin_token, "plum blossoms in march");
    let (status, me, _) = client.send("GET", "/api/me", Some(&admin), None);
    assert_eq!(
        (status, &me["roles"]),
        (200, &json!(["evaluation_admin", "crm_admin", "member"]))
    );

    // The admin creates a group, a leader and a member by hand.
    let (status, _, _) = client.send(
        "POST",
        "/api/groups",
        Some(&admin),
        Some(json!({"id": "sales", "name": "営業部"})),
    );
    assert_eq!(status, 201);
    let mut links = Vec::new();
    for (id, name, login, roles) in [
        (
            "l1",
            "鈴木 リーダー",
            "suzuki",
            json!({"leader": {"groups": ["sales"], "periods": []}}),
        ),
        ("m1", "田中 メンバー", "tanaka", json!({})),
    ] {
        let (status, created, _) = client.send(
            "POST",
            "/api/accounts",
            Some(&admin),
            Some(json!({"id": id, "name": name, "login_id": login, "groups": ["sales"], "roles": roles})),
        );
        assert_eq!(status, 201, "{created}");
        let url = created["setup"]["url"]
            .as_str()
            .expect("shown once")
            .to_owned();
        assert!(url.starts_with("https://hr.example.co.jp/setup#"), "{url}");
        links.push(url.rsplit_once('#').expect("token").1.to_owned());
    }
    client.set_up(&links[0], "leading the sales team");
    client.set_up(&links[1], "selling good things daily");

    // Each signs in (the only tenant: no tenant needed, but named here) and
    // sees what the role allows.
    let (leader, me) = client.sign_in("acme", "suzuki", "leading the sales team");
    assert_eq!(me["roles"], json!(["leader", "member"]));
    let (member, me) = client.sign_in("acme", "tanaka", "selling good things daily");
    assert_eq!(me["roles"], json!(["member"]));
    let (status, accounts, _) = client.send("GET", "/api/accounts", Some(&admin), None);
    assert_eq!((status, accounts.as_array().map(Vec::len)), (200, Some(3)));
    for cookie in [&leader, &member] {
        assert_eq!(
            client.send("GET", "/api/accounts", Some(cookie), None).0,
            403
        );
        assert_eq!(
            client.send("GET", "/api/imports", Some(cookie), None).0,
            200,
            "history for everyone"
        );
        assert_eq!(
            client.send("GET", "/api/my/sheets", Some(cookie), None).0,
            200
        );
    }
    assert_eq!(
        client.send("GET", "/api/periods", Some(&leader), None).0,
        200,
        "a leader imports"
    );
    assert_eq!(
        client.send("GET", "/api/periods", Some(&member), None).0,
        403
    );
    assert_eq!(
        client
            .send("GET", "/api/linkage/settings", Some(&member), None)
            .0,
        403
    );
    assert_eq!(
        client
            .send("GET", "/api/linkage/settings", Some(&admin), None)
            .0,
        200
    );

    // Server running: the commands go through it.
    let printed = stdout(&operator(
        &dir,
        &["tenant", "create", "beta", "--admin", "boss"],
    ));
    assert!(printed.contains("through the running server"), "{printed}");
    let beta_token = token_in(&printed);
    client.set_up(&beta_token, "another company entirely");
    let listed = stdout(&operator(&dir, &["tenant", "list"]));
    assert!(
        listed.contains("acme") && listed.contains("beta") && listed.contains("アクメ株式会社"),
        "{listed}"
    );
    let again = operator(&dir, &["tenant", "create", "acme", "--admin", "x"]);
    assert!(!again.status.success(), "a taken id is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("acme"));
    stdout(&operator(&dir, &["tenant", "disable", "acme"]));
    assert_eq!(
        client.send("GET", "/api/me", Some(&admin), None).0,
        401,
        "sessions end"
    );
    let (status, _, _) = client.send(
        "POST",
        "/api/login",
        None,
        Some(json!({"tenant": "acme", "login_id": "sato", "password": "plum blossoms in march"})),
    );
    assert_eq!(status, 401);
    stdout(&operator(&dir, &["tenant", "enable", "acme"]));
    client.sign_in("acme", "sato", "plum blossoms in march");

    // A clean stop removes the operator file; the commands then open the
    // directory again.
    let mut server = server;
    let pid = server.child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    let _ = server.child.wait();
    assert!(!dir.join("operator.json").exists());
    let listed = stdout(&operator(&dir, &["tenant", "list"]));
    assert!(listed.contains("beta"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
