//! The web app in real Chromium against an in-process server: every test
//! starts its own server (port 0, temporary data) and browser.

use std::time::Duration;

use sheetlink_e2e::{Browser, Server, one_at_a_time, temp_dir};
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_LEADER};

type Result = anyhow::Result<()>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_with_japanese_default_and_switches_to_english() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("login").await?;
    let browser = Browser::start("login").await?;
    browser.goto(&format!("{}/login", server.url)).await?;
    assert_eq!(browser.text("h1").await?, "ログイン");
    browser.fill("#login-id", DEMO_ADMIN.0).await?;
    browser.fill("#password", "wrong password").await?;
    browser.click("#login-submit").await?;
    assert!(browser.text("#login-error").await?.contains("パスワードが違います"));
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    assert_eq!(browser.text("#who").await?, "人事 管理者");
    assert_eq!(browser.text("h1").await?, "評価シートのインポート");
    browser.click("#lang-switch").await?;
    browser.wait_until("document.querySelector('h1').textContent === 'Import evaluation sheets'", Duration::from_secs(5)).await?;
    assert_eq!(browser.eval("return document.documentElement.lang").await?, "en");
    browser.close().await;
    Ok(())
}
