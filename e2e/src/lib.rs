//! What the end-to-end tests and the browser benchmark share: an in-process
//! sheetlink-server on 127.0.0.1 port 0 serving the built web app, that
//! records every request it receives; and a headless Debian Chromium driven
//! through chromedriver, both started here and stopped when dropped.
//!
//! The web app must be built first (`trunk build --release`, which
//! `scripts/test.sh` does); [`Server::start`] says so if it is not.

pub mod tour;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use sheetlink_server::seed::seed_demo;
use sheetlink_server::{AppState, Config, Store, app};

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A fresh, empty temporary directory named after `name` and this process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sheetlink-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Bytes in the request body.
    pub body_bytes: usize,
}

/// The in-process server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request received so far.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Its data directory.
    pub data_dir: PathBuf,
    web_dir: PathBuf,
    extra: axum::Router,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Starts a server with the demo tenant on a fresh data directory.
    pub async fn start(name: &str) -> anyhow::Result<Server> {
        Server::start_with(name, axum::Router::new()).await
    }

    /// Starts a server that also answers the routes of `extra` (the
    /// benchmark's page and data).
    pub async fn start_with(name: &str, extra: axum::Router) -> anyhow::Result<Server> {
        let (mut server, store, listener) = Server::prepare(name, extra).await?;
        seed_demo(&store).map_err(|e| anyhow::anyhow!("seeding: {e:?}"))?;
        server.serve(listener, store);
        Ok(server)
    }

    /// Starts a server whose data directory holds nothing but `tenant`,
    /// made as the operator's `sheetlink-server tenant create` makes it (the
    /// same function); answers the server and the first administrator's
    /// set-up link.
    pub async fn start_from_nothing(
        name: &str,
        tenant: &sheetlink_protocol::accounts::NewTenant,
    ) -> anyhow::Result<(Server, String)> {
        let (mut server, store, listener) = Server::prepare(name, axum::Router::new()).await?;
        let config = server.config();
        let created = sheetlink_server::accounts::create_tenant(&store, &config, tenant)
            .map_err(|e| anyhow::anyhow!("creating the tenant: {e}"))?;
        server.serve(listener, store);
        Ok((server, created.setup.url))
    }

    /// A server not yet serving: its directories, an empty store, and the
    /// listener it will answer on.
    async fn prepare(
        name: &str,
        extra: axum::Router,
    ) -> anyhow::Result<(Server, Store, tokio::net::TcpListener)> {
        let web_dir = std::env::var_os("SHEETLINK_WEB_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("web-app/dist"));
        if !web_dir.join("index.html").is_file() {
            bail!(
                "the web app is not built in {}: run `trunk build --release` at the repository root first",
                web_dir.display()
            );
        }
        let data_dir = temp_dir(&format!("{name}-data"));
        let store = Store::open(&data_dir).context("opening the store")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = Server {
            url,
            seen: Arc::new(Mutex::new(Vec::new())),
            data_dir,
            web_dir,
            extra,
            shutdown: None,
            task: None,
        };
        Ok((server, store, listener))
    }

    /// The server's configuration.
    fn config(&self) -> Config {
        Config {
            data_dir: self.data_dir.clone(),
            web_dir: self.web_dir.clone(),
            public_url: Some(self.url.clone()),
            ..Config::default()
        }
    }

    /// Serves the app over `store` on `listener`, recording every request.
    fn serve(&mut self, listener: tokio::net::TcpListener, store: Store) {
        let config = self.config();
        let recorder = {
            let seen = Arc::clone(&self.seen);
            move |request: Request, next: Next| {
                let seen = Arc::clone(&seen);
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = axum::body::to_bytes(body, usize::MAX)
                        .await
                        .unwrap_or_default();
                    seen.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(Seen {
                            method: parts.method.to_string(),
                            path: parts
                                .uri
                                .path_and_query()
                                .map(ToString::to_string)
                                .unwrap_or_default(),
                            body_bytes: bytes.len(),
                        });
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            }
        };
        let router = app(AppState::new(store, config))
            .merge(self.extra.clone())
            .layer(axum::middleware::from_fn(recorder));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        self.shutdown = Some(shutdown);
        self.task = Some(task);
    }

    /// Starts a stopped server again at the same address, over the same
    /// data (sessions signed in before still hold).
    pub async fn resume(&mut self) -> anyhow::Result<()> {
        let address = self.url.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(10);
        // The data file is free once the stopped server's last handle goes.
        let store = loop {
            match Store::open(&self.data_dir) {
                Ok(store) => break store,
                Err(error) if Instant::now() > deadline => bail!("reopening the store: {error:?}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| format!("binding {address} again"))?;
        self.serve(listener, store);
        Ok(())
    }

    /// Stops the server; the port then refuses connections.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Open connections of the browser may hold a graceful shutdown;
            // after two seconds the server is simply dropped.
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Expands each `@name` of a selector to `[data-testid="name"]`: the tests
/// find what they touch by the test ids the app gives it (`@summary`,
/// `@history tr[data-id='…']`), never by layout, class or `id`. Every method
/// of [`Browser`] taking a selector reads it so.
pub fn by_test_id(selector: &str) -> String {
    let mut out = String::with_capacity(selector.len() + 32);
    let mut chars = selector.char_indices().peekable();
    // `@` starts a test id only where a selector part can start, so an
    // address in an attribute value (`[data-key='a@b']`) stays as it is.
    let mut part_start = true;
    while let Some((at, c)) = chars.next() {
        if c == '@' && part_start {
            let name_end = selector[at + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .map_or(selector.len(), |end| at + 1 + end);
            out.push_str(&format!(
                "[data-testid=\"{}\"]",
                &selector[at + 1..name_end]
            ));
            while chars.peek().is_some_and(|&(i, _)| i < name_end) {
                chars.next();
            }
            part_start = false;
            continue;
        }
        out.push(c);
        part_start = matches!(c, ' ' | '>' | '+' | '~' | ',' | '(');
    }
    out
}

/// A headless Chromium session.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// Where downloads land.
    pub downloads: PathBuf,
    /// Where files to upload are written ([`Browser::file`]).
    uploads: PathBuf,
    driver: Child,
    profile: PathBuf,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Browser tests share two cores: one at a time keeps timings meaningful.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Holds the browser-test lock for a test's duration.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium profile
    /// (`SHEETLINK_CHROMEDRIVER` / `SHEETLINK_CHROMIUM` override the Debian
    /// paths).
    pub async fn start(name: &str) -> anyhow::Result<Browser> {
        let chromedriver = std::env::var("SHEETLINK_CHROMEDRIVER")
            .unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
        let chromium =
            std::env::var("SHEETLINK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| {
                format!("starting {chromedriver} (apt-get install chromium chromium-driver)")
            })?;
        let profile = temp_dir(&format!("{name}-profile"));
        let downloads = temp_dir(&format!("{name}-downloads"));
        let uploads = temp_dir(&format!("{name}-uploads"));
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    "--enable-precise-memory-info",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => {
                    bail!("chromedriver did not start a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(Browser {
            client,
            downloads,
            uploads,
            driver,
            profile,
        })
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// The element matching `css`, waiting up to 15 s for it.
    pub async fn wait(&self, css: &str) -> anyhow::Result<Element> {
        self.wait_for(css, Duration::from_secs(15)).await
    }

    /// The element matching `css`, waiting up to `timeout`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(&by_test_id(css)))
            .await
            .with_context(|| format!("waiting for `{css}`"))
    }

    /// Whether something matches `css` now.
    pub async fn exists(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self
            .client
            .find_all(Locator::Css(&by_test_id(css)))
            .await?
            .is_empty())
    }

    /// Text of the element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.wait(css).await?.text().await?)
    }

    /// Clicks the element matching `css` (waiting for it).
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.wait(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking `{css}`"))
    }

    /// Types `text` into the element matching `css`.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let element = self.wait(css).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) -> anyhow::Result<()> {
        let select = self.wait(css).await?;
        let option = format!("{css} option[value=\"{value}\"]");
        self.wait(&option).await?;
        select.select_by_value(value).await?;
        Ok(())
    }

    /// Writes `bytes` as a file named `name` that can be given to a file
    /// input; removed with the browser.
    pub fn file(&self, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.uploads.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    /// Gives `path` to the file input matching `css`.
    pub async fn upload(&self, css: &str, path: &Path) -> anyhow::Result<()> {
        let input = self.wait(css).await?;
        input.send_keys(&path.display().to_string()).await?;
        Ok(())
    }

    /// Runs `script` in the page and returns its value.
    pub async fn eval(&self, script: &str) -> anyhow::Result<serde_json::Value> {
        Ok(self.client.execute(script, Vec::new()).await?)
    }

    /// Runs `script`, which must call `arguments[0]` with its result.
    pub async fn eval_async(&self, script: &str) -> anyhow::Result<serde_json::Value> {
        Ok(self.client.execute_async(script, Vec::new()).await?)
    }

    /// Waits until `condition` (a JavaScript expression) is true.
    pub async fn wait_until(&self, condition: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval(&format!("return !!({condition});")).await?
                == serde_json::Value::Bool(true)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for `{condition}`");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs in through the login page and waits for the header to greet.
    pub async fn sign_in(
        &self,
        server: &Server,
        login: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.goto(&format!("{}/login", server.url)).await?;
        self.fill("@login-id", login).await?;
        self.fill("@password", password).await?;
        self.click("@login-submit").await?;
        self.wait("@who").await?;
        Ok(())
    }

    /// A finished download whose name starts with `name_starts`, waiting up
    /// to 15 s. Chromium reserves the final name with an empty file before
    /// it writes the bytes to a `.crdownload` file and renames that over it,
    /// so a file is taken only once no partial download is left in the
    /// directory and it has bytes (or has stayed empty for a second).
    pub async fn downloaded(&self, name_starts: &str) -> anyhow::Result<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut empty_since: Option<Instant> = None;
        loop {
            let names: Vec<String> = std::fs::read_dir(&self.downloads)?
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            let partial = names.iter().any(|name| name.ends_with(".crdownload"));
            let found = names
                .iter()
                .find(|name| name.starts_with(name_starts) && !name.ends_with(".crdownload"));
            if let (Some(name), false) = (found, partial) {
                let bytes = std::fs::read(self.downloads.join(name))?;
                if !bytes.is_empty() {
                    return Ok(bytes);
                }
                let since = *empty_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_secs(1) {
                    return Ok(bytes);
                }
            } else {
                empty_since = None;
            }
            if Instant::now() > deadline {
                bail!(
                    "no finished download starting with {name_starts} in {} (it holds {names:?})",
                    self.downloads.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the page to the system's temporary directory, for a
    /// failing test's report, and returns where.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = std::env::temp_dir().join(format!("sheetlink-e2e-{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Sizes the page's viewport to `width` × `height` CSS pixels (the
    /// window is made larger by the browser's own frame, measured).
    pub async fn viewport(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client.set_window_size(width, height).await?;
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight];")
            .await?;
        let inner_width = inner[0].as_u64().unwrap_or(u64::from(width));
        let inner_height = inner[1].as_u64().unwrap_or(u64::from(height));
        let frame_width = u64::from(width).saturating_sub(inner_width);
        let frame_height = u64::from(height).saturating_sub(inner_height);
        if frame_width > 0 || frame_height > 0 {
            self.client
                .set_window_size(
                    width + u32::try_from(frame_width)?,
                    height + u32::try_from(frame_height)?,
                )
                .await?;
        }
        Ok(())
    }

    /// How far the page itself scrolls sideways, in CSS pixels (0 when it
    /// fits its viewport).
    pub async fn sideways_overflow(&self) -> anyhow::Result<i64> {
        let overflow = self
            .eval("return document.documentElement.scrollWidth - window.innerWidth;")
            .await?;
        Ok(overflow.as_i64().unwrap_or_default())
    }

    /// The outermost elements that stick out past the viewport's right edge
    /// outside any scrolling box (what makes the page scroll sideways),
    /// described.
    pub async fn sticking_out(&self) -> anyhow::Result<Vec<String>> {
        let found = self
            .eval(
                "const out = [];
                 for (const e of document.querySelectorAll('body *')) {
                   if (e.getBoundingClientRect().right <= window.innerWidth + 0.5) continue;
                   let boxed = false;
                   for (let p = e.parentElement; p; p = p.parentElement) {
                     const o = getComputedStyle(p).overflowX;
                     if (o === 'auto' || o === 'scroll' || o === 'hidden') { boxed = true; break; }
                   }
                   if (boxed) continue;
                   const parent = e.parentElement;
                   if (parent && parent !== document.body && parent.getBoundingClientRect().right > window.innerWidth + 0.5) continue;
                   out.push(e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
                     + (e.dataset.testid ? '@' + e.dataset.testid : '') + ' right=' + Math.round(e.getBoundingClientRect().right));
                   if (out.length >= 5) break;
                 }
                 return out;",
            )
            .await?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    /// Ends the session and the browser.
    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // A test that failed half-way leaves its Chromium behind; its
        // profile directory names it.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(format!("user-data-dir={}", self.profile.display()))
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = std::fs::remove_dir_all(&self.downloads);
        let _ = std::fs::remove_dir_all(&self.uploads);
    }
}

#[cfg(test)]
mod tests {
    use super::by_test_id;

    #[test]
    fn test_ids_expand_and_the_rest_stays() {
        assert_eq!(by_test_id("@summary"), "[data-testid=\"summary\"]");
        assert_eq!(
            by_test_id("@history tr[data-id='a@b'] @x-1"),
            "[data-testid=\"history\"] tr[data-id='a@b'] [data-testid=\"x-1\"]"
        );
        assert_eq!(by_test_id("table td"), "table td");
    }
}
