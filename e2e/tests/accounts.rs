//! Accounts in real Chromium: an evaluation admin adds a member and hands
//! over the set-up link; the member chooses a password with it, lands on
//! their sheets with the menu of a member, changes their password; the admin
//! deactivates them, asked in the page.

use std::time::Duration;

use anyhow::Context as _;
use sheetlink_e2e::{Browser, Server, one_at_a_time};
use sheetlink_server::seed::DEMO_ADMIN;

#[tokio::test]
async fn a_new_member_from_set_up_link_to_deactivation() -> anyhow::Result<()> {
    let _one = one_at_a_time().await;
    let server = Server::start("accounts").await?;
    let browser = Browser::start("accounts").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-accounts").await?;
    browser.wait("@account-list").await?;
    browser.click("@new-member summary").await?;
    // An id the server would refuse is said before anything is sent.
    browser.fill("@member-id", "山田").await?;
    browser.fill("@member-name", "山田 花子").await?;
    browser.fill("@member-login", "hanako").await?;
    browser.click("@member-create").await?;
    let said = browser.text("@new-member-said").await?;
    assert!(said.contains("社員ID") && said.contains("半角"), "{said}");
    browser.fill("@member-id", "e9002").await?;
    browser.click("@member-group[value='sales']").await?;
    browser.click("@member-create").await?;
    browser.wait("@setup-link").await?;
    let shown = browser.text("@setup-link").await?;
    assert!(
        shown.contains("山田 花子") && shown.contains("1回限り"),
        "{shown}"
    );
    let link = browser
        .eval("return document.querySelector('[data-testid=setup-link-url]').value;")
        .await?;
    let token = link
        .as_str()
        .and_then(|l| l.rsplit_once("/setup#"))
        .map(|(_, t)| t.to_owned())
        .context("a set-up link")?;
    // The new member is listed, without a password yet.
    browser.fill("@account-filter", "hanako").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=account-row]').length === 1",
            Duration::from_secs(5),
        )
        .await?;
    assert!(
        browser
            .text("@account-row")
            .await?
            .contains("パスワード未設定")
    );

    // The member uses the link.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser
        .goto(&format!("{}/setup#{token}", server.url))
        .await?;
    assert!(browser.text("@setup-who").await?.contains("hanako"));
    browser.fill("@setup-password", "short").await?;
    browser.fill("@setup-again", "short").await?;
    browser.click("@setup-submit").await?;
    assert!(browser.text("@setup-error").await?.contains("10文字以上"));
    browser
        .fill("@setup-password", "cherry trees by the river")
        .await?;
    browser
        .fill("@setup-again", "cherry trees by the river")
        .await?;
    browser.click("@setup-submit").await?;
    browser.wait("@my-sheets").await?;
    assert_eq!(browser.text("@who").await?, "山田 花子");
    // A member's menu: sheets, history, timeline; no import, no accounts.
    for shown in ["@nav-sheets", "@nav-history", "@nav-timeline"] {
        assert!(browser.exists(shown).await?, "{shown}");
    }
    for hidden in [
        "@nav-import",
        "@nav-template",
        "@nav-accounts",
        "@nav-linkage",
        "@nav-audit",
    ] {
        assert!(!browser.exists(hidden).await?, "{hidden}");
    }
    // The link worked once.
    let again = browser
        .eval_async(&format!(
            "const done = arguments[0];
             fetch('/api/setup/info', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
                 body: JSON.stringify({{token: '{token}'}})}}).then(r => done(r.status), e => done(0));"
        ))
        .await?;
    assert_eq!(again, 404);

    // Their own password.
    browser.click("@who").await?;
    browser
        .fill("@current-password", "cherry trees by the river")
        .await?;
    browser
        .fill("@new-password", "maple leaves in autumn")
        .await?;
    browser.fill("@new-again", "maple leaves in autumn").await?;
    browser.click("@password-submit").await?;
    assert!(
        browser
            .text("@password-said")
            .await?
            .contains("変更しました")
    );
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser
        .sign_in(&server, "hanako", "maple leaves in autumn")
        .await?;

    // The admin deactivates them, asked in the page.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-accounts").await?;
    browser.fill("@account-filter", "hanako").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=account-row]').length === 1",
            Duration::from_secs(5),
        )
        .await?;
    browser.click("@account-row @deactivate").await?;
    let question = browser.text("@confirm").await?;
    assert!(
        question.contains("山田 花子") && question.contains("無効"),
        "{question}"
    );
    browser.click("@confirm-deactivate").await?;
    browser.wait("@account-said").await?;
    browser.fill("@account-filter", "hanako").await?;
    browser
        .wait("@account-row [data-status='inactive']")
        .await?;
    browser.close().await;
    Ok(())
}
