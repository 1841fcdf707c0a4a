//! A walk through every screen of the web app in each of its states —
//! signed out, as the demo administrator, a new member's set-up link, the
//! demo group leader, a plain member and a CRM admin;
//! empty, with errors, with results; each wizard step — in one language.
//!
//! The accessibility test runs axe-core at every stop and
//! `scripts/screenshots.sh` photographs every stop: one list of stops
//! serves both, so a screen added here is checked and photographed.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER, DEMO_MEMBER};

use crate::{Browser, Server, workspace};

/// What happens at each stop of the tour.
pub trait Visitor {
    /// Called with the page in the state named `state`
    /// (`admin-import-errors`, …), fully rendered.
    fn at(&mut self, browser: &Browser, state: &str) -> impl Future<Output = anyhow::Result<()>>;
}

/// The screens' language for a tour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// 日本語 (the default).
    Ja,
    /// English.
    En,
}

impl Language {
    /// The code the app remembers (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }
}

/// One of the demo files of `examples/demo/SHEET/NAME`.
fn demo_file(sheet: &str, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = workspace().join("examples/demo").join(sheet).join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// Opens `path` of `server` and waits for `ready` (a selector).
async fn open(browser: &Browser, server: &Server, path: &str, ready: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{}{path}", server.url)).await?;
    browser.wait(ready).await?;
    settle(browser).await
}

/// Lets the page finish what it started (loads behind a `Loader` show a
/// `@loading` placeholder; fonts and layout take a frame).
async fn settle(browser: &Browser) -> anyhow::Result<()> {
    browser
        .wait_until(
            "!document.querySelector('[data-testid=loading]')",
            Duration::from_secs(15),
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(())
}

/// Walks every screen and state on a fresh demo `server` in `language`,
/// calling `visitor` at each stop.
pub async fn tour(
    server: &Server,
    browser: &Browser,
    language: Language,
    visitor: &mut impl Visitor,
) -> anyhow::Result<()> {
    // The language is the one the switch would have remembered (as JSON,
    // the way the app stores it).
    browser.goto(&format!("{}/login", server.url)).await?;
    browser
        .eval(&format!(
            "localStorage.setItem('sheetlink.lang', JSON.stringify('{}')); return null;",
            language.code()
        ))
        .await?;

    // Signed out.
    open(browser, server, "/", "@signed-out-notice").await?;
    let shown = browser
        .eval("return document.documentElement.lang;")
        .await?;
    anyhow::ensure!(
        shown.as_str() == Some(language.code()),
        "the app shows {shown} instead of {}",
        language.code()
    );
    visitor.at(browser, "signed-out-import").await?;
    let with_errors = browser.file(
        "performance-with-errors.csv",
        &demo_file("performance", "evaluation-with-errors.csv")?,
    )?;
    let valid = browser.file(
        "performance.csv",
        &demo_file("performance", "evaluation.csv")?,
    )?;
    open(browser, server, "/nowhere", "@not-found").await?;
    visitor.at(browser, "signed-out-not-found").await?;
    open(browser, server, "/login", "@login-id").await?;
    visitor.at(browser, "login").await?;
    browser.fill("@login-id", DEMO_ADMIN.0).await?;
    browser.fill("@password", "not the password").await?;
    browser.click("@login-submit").await?;
    browser.wait("@login-error").await?;
    visitor.at(browser, "login-refused").await?;

    // The administrator, before any import.
    browser.sign_in(server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    open(browser, server, "/", "@file-input").await?;
    visitor.at(browser, "admin-import").await?;
    open(browser, server, "/history", "@history-empty").await?;
    visitor.at(browser, "admin-history-empty").await?;
    open(browser, server, "/template", "@period").await?;
    visitor.at(browser, "admin-template").await?;

    // A file for a sheet the tenant does not have.
    open(browser, server, "/", "@file-input").await?;
    let stray = browser.file(
        "stray.csv",
        "version:1,period:2026-h1,sheet:performance-review\r\n".as_bytes(),
    )?;
    browser.upload("@file-input", &stray).await?;
    browser.wait("@refused").await?;
    visitor.at(browser, "admin-import-refused").await?;

    // An import from errors to applied.
    open(browser, server, "/", "@file-input").await?;
    browser.upload("@file-input", &with_errors).await?;
    browser.wait("@summary").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-import-errors").await?;
    browser.upload("@file-input", &valid).await?;
    browser.wait("@summary[data-status='ok']").await?;
    visitor.at(browser, "admin-import-checked").await?;
    browser.click("@dry-run").await?;
    browser.wait("@dry-run-result").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-import-dry-run").await?;
    browser.click("@apply").await?;
    browser.wait("@confirm-apply").await?;
    visitor.at(browser, "admin-import-confirm").await?;
    browser.click("@confirm-apply").await?;
    browser.wait("@import-result").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-import-applied").await?;

    open(browser, server, "/history", "@history tbody tr").await?;
    visitor.at(browser, "admin-history").await?;
    browser.click("@history tbody tr @detail").await?;
    browser.wait("@import-detail").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-history-detail").await?;
    open(browser, server, "/timeline", "@timeline, @timeline-empty").await?;
    visitor.at(browser, "admin-timeline").await?;

    // Batch linkage: the settings, then a run of the batch client.
    open(browser, server, "/linkage", "@import-conditions").await?;
    visitor.at(browser, "admin-linkage").await?;
    open(browser, server, "/linkage/history", "@runs").await?;
    visitor.at(browser, "admin-linkage-history-empty").await?;
    batch_run(browser).await?;
    open(browser, server, "/linkage/history", "@runs tbody tr").await?;
    visitor.at(browser, "admin-linkage-history").await?;
    browser.click("@runs tbody tr button").await?;
    browser.wait("@run-rows").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-linkage-run-rows").await?;
    open(browser, server, "/timeline", "@timeline").await?;
    visitor.at(browser, "admin-timeline-posts").await?;
    // The batch added its records to the demo condition's list.
    open(browser, server, "/linkage/lists", "@list-table").await?;
    visitor.at(browser, "admin-lists").await?;
    browser.click("@list-open").await?;
    browser.wait("@list-entries").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-list-records").await?;
    browser.click("@list-clear").await?;
    browser.wait("@list-clear-yes").await?;
    visitor.at(browser, "admin-list-clear-confirm").await?;
    // The CRM fields screen, with a field being added.
    open(browser, server, "/linkage/catalog", "@catalog-save").await?;
    browser.click("@catalog-add-field").await?;
    browser.click("@catalog-add-sheet").await?;
    visitor.at(browser, "admin-catalog").await?;
    // The records: a page of customers, the search open, one record.
    open(
        browser,
        server,
        "/linkage/records/customer",
        "@records-table",
    )
    .await?;
    visitor.at(browser, "admin-records").await?;
    browser.click("@records-search summary").await?;
    browser.click("@add-rule").await?;
    visitor.at(browser, "admin-records-search").await?;
    open(
        browser,
        server,
        "/linkage/records/customer/C000001",
        "@linked-group",
    )
    .await?;
    visitor.at(browser, "admin-record").await?;
    browser.click("@record-delete").await?;
    browser.wait("@record-delete-yes").await?;
    visitor.at(browser, "admin-record-delete-confirm").await?;
    // A sheet's import screen: a file mapped on the spot, then checked.
    open(
        browser,
        server,
        "/linkage/sheets/customer/import",
        "@sample-input",
    )
    .await?;
    visitor.at(browser, "admin-manual-import").await?;
    let by_hand = browser.file(
        "by-hand.csv",
        "顧客ID,顧客名,ランク\r\nC000001,株式会社サンプル商事 本社,A\r\nH-2,株式会社手入力,Z\r\n"
            .as_bytes(),
    )?;
    browser.upload("@sample-input", &by_hand).await?;
    browser.wait("@mapping tr[data-row='3']").await?;
    browser
        .click("@mapping tr[data-row='1'] @mapping-key")
        .await?;
    browser.wait("@preview").await?;
    browser.click("@manual-check").await?;
    browser.wait("@dry-rows").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-manual-import-checked").await?;
    open(browser, server, "/linkage/import/new", "@import-key").await?;
    visitor.at(browser, "admin-import-wizard-1").await?;
    browser.click("@to-step-2").await?;
    browser.wait("@key-problem").await?;
    visitor.at(browser, "admin-import-wizard-1-problem").await?;
    browser.fill("@import-key", "tour-customers").await?;
    browser.click("@to-step-2").await?;
    browser.wait("@sample-input").await?;
    visitor.at(browser, "admin-import-wizard-2").await?;
    let sample = browser.file(
        "customers.csv",
        "顧客ID,顧客名,電話番号,メールアドレス,ランク\r\n\
         S-1,株式会社見本,03-1234-5678,mihon@example.co.jp,A\r\n\
         S-2,有限会社テスト,06-1111-2222,test@example.co.jp,Z\r\n"
            .as_bytes(),
    )?;
    browser.upload("@sample-input", &sample).await?;
    browser.wait("@sample-name").await?;
    browser.click("@to-step-3").await?;
    browser.wait("@mapping tr[data-row='5']").await?;
    browser.wait("@preview").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-import-wizard-3").await?;
    browser.click("@to-step-4").await?;
    browser.wait("@save-condition").await?;
    visitor.at(browser, "admin-import-wizard-4").await?;
    open(browser, server, "/linkage/export/new", "@export-key").await?;
    browser.fill("@export-key", "tour-export").await?;
    browser.click("@export-preview").await?;
    browser.wait("@export-total").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-export-wizard").await?;

    // Accounts: add a member (the set-up link shown once), the audit log,
    // one's own account, and the sheets an admin may open.
    open(browser, server, "/accounts", "@account-list").await?;
    visitor.at(browser, "admin-accounts").await?;
    browser.click("@new-member summary").await?;
    browser.fill("@member-id", "e9001").await?;
    browser.fill("@member-name", "山田 花子").await?;
    browser.fill("@member-login", "hanako").await?;
    browser.click("@member-group[value='sales']").await?;
    browser.click("@role-leader").await?;
    visitor.at(browser, "admin-accounts-new").await?;
    browser.click("@role-leader").await?;
    browser.click("@member-create").await?;
    browser.wait("@setup-link").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-accounts-link").await?;
    let link = browser
        .eval("return document.querySelector('[data-testid=setup-link-url]').value;")
        .await?;
    let token = link
        .as_str()
        .and_then(|l| l.rsplit_once('#'))
        .map(|(_, token)| token.to_owned())
        .context("a set-up link")?;
    organisation(browser, server, visitor).await?;
    open(browser, server, "/audit", "@audit-list").await?;
    visitor.at(browser, "admin-audit").await?;
    open(browser, server, "/account", "@account-roles").await?;
    visitor.at(browser, "admin-account").await?;
    open(browser, server, "/sheets", "@other-sheets").await?;
    browser.select("@others-period", "2026-h1").await?;
    browser
        .wait("@others-sheet option[value='performance']")
        .await?;
    browser.select("@others-sheet", "performance").await?;
    browser.wait("@others-list").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-sheets").await?;

    // The new member's set-up link.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    open(
        browser,
        server,
        &format!("/setup#{token}"),
        "@setup-password",
    )
    .await?;
    visitor.at(browser, "setup").await?;
    browser
        .fill("@setup-password", "cherry trees by the river")
        .await?;
    browser
        .fill("@setup-again", "cherry trees by the river")
        .await?;
    browser.click("@setup-submit").await?;
    browser.wait("@my-sheets-empty").await?;
    settle(browser).await?;
    visitor.at(browser, "new-member-sheets-empty").await?;

    // The group leader.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser
        .sign_in(server, DEMO_LEADER.0, DEMO_LEADER.1)
        .await?;
    open(browser, server, "/", "@file-input").await?;
    visitor.at(browser, "leader-import").await?;
    open(browser, server, "/template", "@period").await?;
    visitor.at(browser, "leader-template").await?;
    open(browser, server, "/history", "@history tbody tr").await?;
    visitor.at(browser, "leader-history").await?;
    // The administrator's import, asked for by its address.
    let id = browser
        .eval("return document.querySelector('[data-testid=history] tbody tr').dataset.id;")
        .await?;
    let id = id.as_str().context("an import id")?.to_owned();
    open(browser, server, &format!("/history/{id}"), "@not-allowed").await?;
    visitor
        .at(browser, "leader-history-detail-not-allowed")
        .await?;
    open(browser, server, "/sheets", "@other-sheets").await?;
    browser.select("@others-period", "2026-h1").await?;
    browser
        .wait("@others-sheet option[value='performance']")
        .await?;
    browser.select("@others-sheet", "performance").await?;
    browser.wait("@others-list @open-sheet").await?;
    settle(browser).await?;
    visitor.at(browser, "leader-sheets").await?;
    browser.click("@others-list @open-sheet").await?;
    browser.wait("@sheet @sheet-card").await?;
    settle(browser).await?;
    visitor.at(browser, "leader-sheet-read-only").await?;
    open(browser, server, "/accounts", "@accounts-not-allowed").await?;
    visitor.at(browser, "leader-accounts-not-allowed").await?;
    open(
        browser,
        server,
        "/organisation",
        "@organisation-not-allowed",
    )
    .await?;
    visitor
        .at(browser, "leader-organisation-not-allowed")
        .await?;

    // A plain member: their sheets (home), moving one on, the history.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser
        .sign_in(server, DEMO_MEMBER.0, DEMO_MEMBER.1)
        .await?;
    open(browser, server, "/", "@my-sheets @sheet-card").await?;
    visitor.at(browser, "member-sheets").await?;
    browser.click("@advance").await?;
    browser.wait("@confirm-advance").await?;
    visitor.at(browser, "member-sheet-confirm").await?;
    browser.click("@confirm-advance").await?;
    browser.wait("@advance-said").await?;
    visitor.at(browser, "member-sheet-advanced").await?;
    open(browser, server, "/history", "@history, @history-empty").await?;
    visitor.at(browser, "member-history").await?;

    // A CRM admin: batch linkage (home) and its part of the audit log.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    browser
        .sign_in(server, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1)
        .await?;
    open(browser, server, "/", "@import-conditions").await?;
    visitor.at(browser, "crm-linkage").await?;
    open(browser, server, "/audit", "@audit-list").await?;
    visitor.at(browser, "crm-audit").await?;
    Ok(())
}

/// Issues a batch token (as the signed-in administrator) and sends the demo
/// `customers` condition a Shift_JIS file through the batch API, as the
/// scheduled client would: a run for the linkage history and the timeline.
/// The organisation screens: periods, sheets, evaluatees and groups; a
/// sheet's editor; members in bulk — a file with a problem, a good one
/// asked about, applied with its set-up links.
async fn organisation(
    browser: &Browser,
    server: &Server,
    visitor: &mut impl Visitor,
) -> anyhow::Result<()> {
    open(browser, server, "/organisation", "@periods").await?;
    visitor.at(browser, "admin-organisation").await?;
    open(
        browser,
        server,
        "/organisation/sheets/performance",
        "@sheet-form",
    )
    .await?;
    visitor.at(browser, "admin-sheet-editor").await?;
    open(browser, server, "/accounts/import", "@file-input").await?;
    visitor.at(browser, "admin-member-import").await?;
    let header = "氏名,従業員番号,メールアドレス,ロール,グループ,状態\r\n";
    let wrong = browser.file(
        "members-wrong.csv",
        format!("{header}新人 一郎,N0001,ichiro@,,営業部,\r\n新人 二郎,N0002,jiro@example.co.jp,社長,品質保証,\r\n").as_bytes(),
    )?;
    browser.upload("@file-input", &wrong).await?;
    browser.wait("@members-checked[data-errors='2']").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-member-import-problems").await?;
    let good = browser.file(
        "members.csv",
        format!("{header}新人 一郎,N0001,ichiro@example.co.jp,,営業部;品質保証,\r\n新人 二郎,N0002,jiro@example.co.jp,グループリーダー,品質保証,\r\n").as_bytes(),
    )?;
    browser.upload("@file-input", &good).await?;
    browser.wait("@members-checked[data-errors='0']").await?;
    browser.click("@members-apply").await?;
    browser.wait("@members-apply-yes").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-member-import-confirm").await?;
    browser.click("@members-apply-yes").await?;
    browser.wait("@members-applied").await?;
    settle(browser).await?;
    visitor.at(browser, "admin-member-import-applied").await
}

async fn batch_run(browser: &Browser) -> anyhow::Result<()> {
    let csv = encoding_rs::SHIFT_JIS
        .encode(
            "顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\n\
             T-1,株式会社巡回,,,C000001,A\r\n\
             T-2,株式会社巡回二号,,,T-1,Z\r\n",
        )
        .0
        .into_owned();
    let status = browser
        .eval_async(&format!(
            "const done = arguments[0];
             fetch('/api/linkage/token', {{ method: 'POST' }})
               .then(r => r.json())
               .then(t => fetch('/api/batch/imports/customers', {{
                   method: 'POST',
                   headers: {{ 'Authorization': 'Bearer ' + t.token, 'Content-Type': 'text/csv', 'Idempotency-Key': 'tour-1' }},
                   body: new Uint8Array({}),
               }}))
               .then(r => done(r.status), e => done(String(e)));",
            serde_json::to_string(&csv)?
        ))
        .await?;
    anyhow::ensure!(
        status == serde_json::json!(200),
        "the batch import answered {status}"
    );
    Ok(())
}

/// A serious or critical accessibility problem axe-core found.
#[derive(Debug, Clone)]
pub struct Violation {
    /// axe's rule (`label`, `color-contrast`, …).
    pub rule: String,
    /// `serious` or `critical`.
    pub impact: String,
    /// What the rule asks, in axe's words.
    pub help: String,
    /// Selectors of the first offending elements.
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} — {}",
            self.rule,
            self.impact,
            self.help,
            self.targets.join(", ")
        )
    }
}

/// Runs axe-core (from `e2e/node_modules`, installed by `npm ci`) on the
/// page as it is and returns its serious and critical violations. The
/// source goes in through WebDriver's execute-script: the app's CSP
/// rightly refuses an injected `<script>`.
pub async fn axe(browser: &Browser) -> anyhow::Result<Vec<Violation>> {
    let path = workspace().join("e2e/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {}: run `npm ci` in e2e/ (scripts/test.sh does)",
            path.display()
        )
    })?;
    browser
        .eval(&format!("if (!window.axe) {{ {source}\n }} return null;"))
        .await?;
    let found = browser
        .eval_async(
            "const done = arguments[0];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => ({ rule: v.id, impact: v.impact, help: v.help,
                                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))),
                     e => done([{ rule: 'axe-failed', impact: 'critical', help: String(e), targets: [] }]));",
        )
        .await?;
    let list = found.as_array().context("axe's answer")?;
    Ok(list
        .iter()
        .map(|v| Violation {
            rule: v["rule"].as_str().unwrap_or_default().to_owned(),
            impact: v["impact"].as_str().unwrap_or_default().to_owned(),
            help: v["help"].as_str().unwrap_or_default().to_owned(),
            targets: v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        })
        .collect())
}
