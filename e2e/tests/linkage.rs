//! The batch-linkage screens in real Chromium: the import wizard with a
//! Shift_JIS sample and its instant preview, token re-issue, and a batch
//! import run by the CLI showing in the history and on the timeline.

use std::time::Duration;

use anyhow::Context as _;
use sheetlink_e2e::{Browser, Server, one_at_a_time};
use sheetlink_server::seed::DEMO_ADMIN;

type Result = anyhow::Result<()>;

fn shift_jis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

/// The token the settings page shows (other than `previous`), read in the
/// page so that a re-render between finding and reading cannot interfere.
async fn shown_token(browser: &Browser, previous: Option<&str>) -> anyhow::Result<String> {
    let previous = previous.unwrap_or_default();
    let read = "(document.querySelector('[data-testid=token]') || {}).value || ''";
    browser
        .wait_until(
            &format!("{read}.startsWith('slk_') && {read} !== '{previous}'"),
            Duration::from_secs(10),
        )
        .await?;
    let token = browser.eval(&format!("return {read};")).await?;
    Ok(token.as_str().context("a token")?.to_owned())
}

/// Calls the batch API from the page with `token`; returns the status.
async fn batch_status(browser: &Browser, token: &str) -> anyhow::Result<u64> {
    let status = browser
        .eval_async(&format!(
            "const done = arguments[0];
             fetch('/api/batch/exports/customers-sjis', {{ headers: {{ 'Authorization': 'Bearer {token}' }} }})
                 .then(r => done(r.status), () => done(0));"
        ))
        .await?;
    status.as_u64().context("a status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)] // the preview times go to the test log
async fn the_import_wizard_previews_a_shift_jis_sample_on_every_change() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("wizard").await?;
    let browser = Browser::start("wizard").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-linkage").await?;
    browser.click("@new-import-condition").await?;
    // A missing key is said at step 1, not at the end.
    browser.click("@to-step-2").await?;
    assert!(
        browser
            .text("@key-problem")
            .await?
            .contains("インポートキー")
    );
    browser.fill("@import-key", "sjis-customers").await?;
    browser
        .fill("@import-description", "基幹システムの顧客（Shift_JIS）")
        .await?;
    browser.click("@to-step-2").await?;
    let sample = shift_jis(
        "顧客ID,顧客名,電話番号,メールアドレス,ランク\r\n\
         S-1,株式会社見本,03-1234-5678,mihon@example.co.jp,A\r\n\
         S-2,有限会社テスト,06-1111-2222,test@example.co.jp,Z\r\n\
         S-3,合同会社サンプル,,sample@example.co.jp,B\r\n",
    );
    let file = browser.file("sample-sjis.csv", &sample)?;
    browser.upload("@sample-input", &file).await?;
    let name = browser.text("@sample-name").await?;
    assert!(name.contains("Shift_JIS"), "{name}");
    browser.click("@to-step-3").await?;
    // Auto-suggested from the headers, with confidence.
    browser.wait("@mapping tr[data-row='5']").await?;
    assert!(
        browser
            .text("@mapping tr[data-row='1']")
            .await?
            .contains("100%")
    );
    // Without a matching key the condition itself is refused, by mapping row.
    assert!(!browser.text("@condition-problems").await?.is_empty());
    browser
        .click("@mapping tr[data-row='1'] @mapping-key")
        .await?;
    browser.wait("@preview tr[data-row='2']").await?;
    let row2 = browser.text("@preview tr[data-row='2']").await?;
    assert!(
        row2.contains("S-1") && row2.contains("株式会社見本") && row2.contains("03-1234-5678"),
        "{row2}"
    );
    let row3 = browser.text("@preview tr[data-row='3']").await?;
    assert!(row3.contains("E3"), "the bad rank is located: {row3}");
    assert!(
        row3.contains("有限会社テスト") && row3.contains("06-1111-2222"),
        "a refused row keeps its values from the file: {row3}"
    );
    // Change a mapping row: the rank column now goes to the note field.
    let before = browser.text("@preview thead").await?;
    assert!(before.contains("ランク"), "{before}");
    browser
        .select("@mapping tr[data-row='5'] @mapping-target", "note")
        .await?;
    browser
        .wait_until(
            "document.querySelector('[data-testid=preview] thead').textContent.includes('備考')",
            Duration::from_secs(5),
        )
        .await?;
    let row3 = browser.text("@preview tr[data-row='3']").await?;
    assert!(
        row3.contains('Z') && !row3.contains("E3"),
        "a note accepts “Z”: {row3}"
    );
    // Blank updates are shown as such.
    browser
        .click("@mapping tr[data-row='3'] @mapping-blank")
        .await?;
    browser.wait_until("document.querySelector('[data-testid=preview] tr[data-row=\"4\"]').textContent.includes('空白で更新')", Duration::from_secs(5)).await?;
    let times = browser
        .eval("return window.sheetlinkPreviewTimes || [];")
        .await?;
    let times: Vec<f64> = times
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    assert!(times.len() >= 3, "{times:?}");
    let slowest = times.iter().copied().fold(0.0, f64::max);
    assert!(slowest < 16.0, "a preview refresh took {slowest} ms");
    println!("preview refreshes (ms): {times:?}");
    browser.click("@to-step-4").await?;
    browser.fill("@add-to-list", "見本リスト").await?;
    browser.click("@save-condition").await?;
    browser
        .wait("@import-conditions tr[data-key='sjis-customers']")
        .await?;
    assert!(
        browser
            .text("@saved-answer")
            .await?
            .contains("「sjis-customers」を登録しました")
    );
    browser.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissued_token_replaces_the_old_one_at_once() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("token").await?;
    let browser = Browser::start("token").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.goto(&format!("{}/linkage", server.url)).await?;
    browser.click("@issue-token").await?;
    let first = shown_token(&browser, None).await?;
    assert!(first.starts_with("slk_demo_"), "{first}");
    let warning = browser.text("@token-warning").await?;
    assert!(
        warning.contains("今だけ表示") && !warning.contains("以前のトークン"),
        "the first token replaces none: {warning}"
    );
    assert!(browser.exists("@copy-token").await?);
    assert_eq!(batch_status(&browser, &first).await?, 200);
    browser.click("@issue-token").await?;
    // Asked in the page, saying what re-issuing does.
    let asked = browser.text("@token-fieldset").await?;
    assert!(
        asked.contains("今のトークンはすぐに使えなくなります"),
        "{asked}"
    );
    browser.click("@confirm-reissue").await?;
    let second = shown_token(&browser, Some(&first)).await?;
    assert!(
        browser
            .text("@token-warning")
            .await?
            .contains("以前のトークンは使えなくなりました")
    );
    assert_eq!(
        batch_status(&browser, &first).await?,
        401,
        "the old token is refused"
    );
    assert_eq!(batch_status(&browser, &second).await?, 200);
    // The settings speak plainly: no specification numbers in the labels.
    assert!(!browser.text("main").await?.contains("(1)"));
    // A wrong address stays in its box, marked, whether added by Enter or
    // by the button; nothing is added.
    browser
        .fill("@notify-email", "not-an-address\u{E007}")
        .await?;
    browser.wait("@notify-problem").await?;
    let input = browser.wait("@notify-email").await?;
    assert_eq!(
        input.prop("value").await?.as_deref(),
        Some("not-an-address")
    );
    assert_eq!(input.attr("aria-invalid").await?.as_deref(), Some("true"));
    assert!(
        !browser
            .text("@notify-emails")
            .await?
            .contains("not-an-address")
    );
    // People are found by typing, not in a 200-row list box; Enter picks.
    browser.fill("@notify-members", "鈴木 太").await?;
    let options = browser.text("@notify-members-options").await?;
    assert!(options.contains("鈴木 太郎"), "{options}");
    assert!(
        options.lines().count() <= 8,
        "a handful of matches, not everyone: {options}"
    );
    browser.fill("@notify-members", "鈴木 太郎\u{E007}").await?;
    browser
        .wait_until(
            "document.querySelector('[data-testid=notify-members-chosen]').textContent.includes('鈴木 太郎')",
            Duration::from_secs(5),
        )
        .await?;
    // The screen says which client programs the module will lack (this
    // test's server holds none) before the download.
    let programs = browser.text("@module-programs").await?;
    assert!(
        programs.contains("sheetlink.exe（Windows x86-64）: サーバーにないため同梱されません"),
        "{programs}"
    );
    // After the client module's download, the next step is said.
    browser.click("@download-module").await?;
    assert!(browser.text("@module-answer").await?.contains("ZIPを展開"));
    browser.downloaded("sheetlink-client").await?;
    browser
        .fill("@notify-email", "ok@example.com\u{E007}")
        .await?;
    browser
        .wait_until(
            "document.querySelector('[data-testid=notify-emails]').textContent.includes('ok@example.com')",
            Duration::from_secs(5),
        )
        .await?;
    browser.close().await;
    Ok(())
}

/// The `sheetlink` binary of this workspace, built if needed.
fn cli_binary() -> anyhow::Result<std::path::PathBuf> {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "sheetlink-cli"])
        .status()?;
    anyhow::ensure!(status.success(), "sheetlink-cli builds");
    // This test runs from target/<profile>/deps.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .context("target dir")?;
    Ok(profile_dir.join(format!("sheetlink{}", std::env::consts::EXE_SUFFIX)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_import_by_the_cli_shows_in_history_and_on_the_timeline() -> Result {
    let _one = one_at_a_time().await;
    let cli = cli_binary()?;
    let server = Server::start("cli-run").await?;
    let browser = Browser::start("cli-run").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    let token = browser
        .eval_async("const done = arguments[0]; fetch('/api/linkage/token', {method: 'POST'}).then(r => r.json()).then(j => done(j.token));")
        .await?;
    let token = token.as_str().context("a token")?.to_owned();
    let conf = browser.file(
        "linkage.conf",
        format!("linkage.url={}\nlinkage.token={token}\n", server.url).as_bytes(),
    )?;
    let csv = browser.file(
        "nightly.csv",
        &shift_jis("顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nN-1,株式会社夜間,,,C000001,A\r\nN-2,株式会社夜間二号,,,N-1,B\r\n"),
    )?;
    let output = tokio::process::Command::new(&cli)
        .arg("--conf")
        .arg(&conf)
        .args(["import", "customers"])
        .arg(&csv)
        .output()
        .await?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    browser
        .goto(&format!("{}/linkage/history", server.url))
        .await?;
    let run = browser
        .wait("@runs tr[data-key='customers'][data-status='completed']")
        .await?;
    let run = run.text().await?;
    assert!(run.contains("新規 2") && run.contains("完了"), "{run}");
    browser
        .click("@runs tr[data-key='customers'] button")
        .await?;
    let rows = browser.text("@run-rows").await?;
    assert!(
        rows.contains("N-1")
            && rows.contains("N-2")
            && rows.contains("新規")
            && !rows.contains("created"),
        "{rows}"
    );
    browser.goto(&format!("{}/timeline", server.url)).await?;
    let post = browser.text("@timeline li").await?;
    assert!(
        post.contains("顧客のインポートがバッチ連携(customers)により完了しました。")
            && post.contains("データの件数:2件"),
        "{post}"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_wizard_previews_from_the_server_and_saves() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("export-wizard").await?;
    let browser = Browser::start("export-wizard").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser
        .goto(&format!("{}/linkage/export/new", server.url))
        .await?;
    browser.fill("@export-key", "rank-a").await?;
    browser.fill("@export-description", "ランクAの顧客").await?;
    browser.select("@export-encoding", "utf8_bom").await?;
    browser.click("@add-rule").await?;
    browser
        .select("@filter-rules tr:nth-child(1) @rule-field", "rank")
        .await?;
    browser
        .select("@filter-rules tr:nth-child(1) @rule-comparison", "equals")
        .await?;
    browser.fill("@filter-rules @rule-value", "A").await?;
    browser.click("@add-column").await?;
    browser
        .fill("@export-columns tr:nth-child(3) @column-header", "区分")
        .await?;
    browser
        .select("@export-columns tr:nth-child(3) @column-field", "rank")
        .await?;
    browser
        .select("@sort-keys tr:nth-child(1) @sort-order", "desc")
        .await?;
    browser.click("@export-preview").await?;
    let total = browser.text("@export-total").await?;
    assert!(total.contains("該当 25 件"), "{total}");
    let head = browser.text("@export-preview-table thead").await?;
    assert!(head.contains("顧客ID") && head.contains("区分"), "{head}");
    let first = browser.text("@export-preview-table tbody tr").await?;
    assert!(
        first.starts_with("C000097") && first.ends_with('A'),
        "descending by id, rank A only: {first}"
    );
    browser.click("@save-export").await?;
    browser
        .wait("@export-conditions tr[data-key='rank-a']")
        .await?;
    browser.close().await;
    Ok(())
}

/// The records screen: the demo's customers a page at a time, a search
/// and an order sent to the server, a record with what points at it, and
/// deletion — at once for a record nothing points at, and for a linked one
/// only after the refusal's "clear the links" is asked and confirmed.
#[tokio::test]
async fn the_records_screen_pages_searches_opens_and_deletes() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("records-screen").await?;
    let browser = Browser::start("records-screen").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-records").await?;
    browser.wait("@records-table").await?;
    let summary = browser.text("@records-summary").await?;
    assert!(summary.contains("全100件"), "{summary}");
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('[data-testid=record-row]').length")
            .await?,
        100
    );

    // A checkbox reads as a word, not as its stored 1 or 0.
    let active: Vec<String> = serde_json::from_value(
        browser
            .eval(
                "const i = [...document.querySelectorAll('[data-testid=records-table] th')].findIndex(th => th.textContent === '取引中');
                 return [...document.querySelectorAll('[data-testid=record-row]')].map(r => r.children[i].textContent)",
            )
            .await?,
    )?;
    assert!(
        active.iter().any(|v| v == "はい")
            && active.iter().any(|v| v == "いいえ")
            && active
                .iter()
                .all(|v| ["はい", "いいえ", ""].contains(&v.as_str())),
        "{active:?}"
    );
    // The import template names every field.
    browser.click("@template-utf8").await?;
    let template = browser.downloaded("customer_template").await?;
    let header = String::from_utf8_lossy(&template);
    assert!(
        header.contains("顧客ID,顧客名,") && header.contains("担当部署"),
        "{header}"
    );

    // Rank A, latest-founded first: 25 rows, the search said.
    browser.click("@records-search summary").await?;
    browser.click("@add-rule").await?;
    browser
        .select("@filter-rules tr:nth-child(1) @rule-field", "rank")
        .await?;
    browser
        .select("@filter-rules tr:nth-child(1) @rule-comparison", "equals")
        .await?;
    browser.fill("@filter-rules @rule-value", "A").await?;
    browser.select("@records-sort", "founded").await?;
    browser.click("@records-descending").await?;
    browser.click("@records-apply").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=record-row]').length === 25",
            std::time::Duration::from_secs(10),
        )
        .await?;
    let summary = browser.text("@records-summary").await?;
    assert!(summary.contains("このページ 25件"), "{summary}");
    let founded: Vec<String> = serde_json::from_value(
        browser
            .eval(
                "const i = [...document.querySelectorAll('[data-testid=records-table] th')].findIndex(th => th.textContent === '設立日');
                 return [...document.querySelectorAll('[data-testid=record-row]')].map(r => r.children[i].textContent)",
            )
            .await?,
    )?;
    let mut sorted = founded.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(founded, sorted, "latest founded first");

    // A record nothing points at is deleted after the question.
    browser
        .goto(&format!("{}/linkage/records/customer/C000100", server.url))
        .await?;
    browser.wait("@record-fields").await?;
    browser.wait("@linked-none").await?;
    browser.click("@record-delete").await?;
    browser.click("@record-delete-yes").await?;
    browser.wait("@records-table").await?;
    let summary = browser.text("@records-summary").await?;
    assert!(summary.contains("全99件"), "{summary}");

    // C000001 has children, deals…: refused with the reason, then deleted
    // clearing the links.
    browser
        .goto(&format!("{}/linkage/records/customer/C000001", server.url))
        .await?;
    browser.wait("@linked-group").await?;
    let title = browser.text("@record-title").await?;
    assert!(title.starts_with("顧客 "), "{title}");
    browser.click("@record-delete").await?;
    browser.click("@record-delete-yes").await?;
    browser.wait("@record-delete-clearing").await?;
    let refusal = browser.text("@record-said").await?;
    assert!(
        refusal.contains("親顧客") && refusal.contains("9件"),
        "{refusal}"
    );
    browser.click("@record-delete-clearing").await?;
    browser.click("@record-delete-yes").await?;
    browser.wait("@records-table").await?;
    let summary = browser.text("@records-summary").await?;
    assert!(summary.contains("全98件"), "{summary}");
    // A former child says why its parent is empty.
    browser
        .goto(&format!("{}/linkage/records/customer/C000011", server.url))
        .await?;
    browser.wait("@history-table").await?;
    let history = browser.text("@history-table tbody tr").await?;
    assert!(
        history.contains("紐づき先の削除で解除") && history.contains("C000001"),
        "{history}"
    );
    browser.close().await;
    Ok(())
}

/// A CRM admin adds a field to the customers, an option to their rank and a
/// sheet of their own on the CRM fields screen; the records screen and the
/// export wizard then offer them, the import wizard even offline.
#[tokio::test]
async fn a_crm_admin_adds_fields_options_and_a_sheet_that_the_screens_offer() -> Result {
    let _one = one_at_a_time().await;
    let mut server = Server::start("catalog-screen").await?;
    let browser = Browser::start("catalog-screen").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-catalog").await?;
    browser.wait("@catalog-save").await?;
    let keys = browser.text("@catalog-keys").await?;
    assert!(
        keys.contains("テキスト・メールアドレス の項目") && !keys.contains("チェックボックス"),
        "which fields identify a record, from the engine's rules: {keys}"
    );
    browser.click("@catalog-add-field").await?;
    browser
        .fill("@catalog-added-fields @catalog-field-id", "x_industry")
        .await?;
    browser
        .fill("@catalog-added-fields @catalog-field-label", "業種")
        .await?;
    browser
        .fill("tr[data-field='customer.rank'] @catalog-options", "S")
        .await?;
    browser.click("@catalog-add-sheet").await?;
    browser.fill("@catalog-sheet-id", "x_events").await?;
    browser.fill("@catalog-sheet-name", "展示会リード").await?;
    browser.click("@catalog-sheet-add-field").await?;
    let third = "@catalog-sheet-fields tbody tr:nth-child(3)";
    browser
        .fill(&format!("{third} @catalog-field-id"), "x_interest")
        .await?;
    browser
        .fill(&format!("{third} @catalog-field-label"), "関心度")
        .await?;
    browser
        .select(&format!("{third} @catalog-field-type"), "dropdown")
        .await?;
    browser
        .fill(&format!("{third} @catalog-field-options"), "高\n中\n低")
        .await?;
    browser.click("@catalog-save").await?;
    browser
        .wait_until(
            "(document.querySelector('[data-testid=catalog-said]')?.textContent ?? '').includes('シート11件')",
            std::time::Duration::from_secs(10),
        )
        .await?;
    // Saving again from the same screen is not mistaken for a stale save:
    // the screen goes on from the revision it stored.
    browser.click("@catalog-save").await?;
    let revision = "const done = arguments[0];
        fetch('/api/linkage/catalog/additions').then(r => r.json()).then(a => done(a.revision), () => done(-1));";
    let mut stored = serde_json::Value::Null;
    for _ in 0..50 {
        stored = browser.eval_async(revision).await?;
        if stored == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(stored, 2, "both saves stored");
    assert!(
        !browser.text("@catalog-said").await?.contains("別の管理者"),
        "no conflict"
    );

    // The records screen has the sheet and its fields; customers show 業種.
    browser
        .goto(&format!("{}/linkage/records/x_events", server.url))
        .await?;
    browser.wait("@records-none").await?;
    browser
        .wait("@records-sheet option[value='x_events']")
        .await?;
    browser
        .goto(&format!("{}/linkage/records/customer", server.url))
        .await?;
    let head = browser.text("@records-table thead").await?;
    assert!(head.contains("業種"), "{head}");
    // The export wizard offers the new sheet.
    browser
        .goto(&format!("{}/linkage/export/new", server.url))
        .await?;
    browser.select("@export-sheet", "x_events").await?;

    // Opened again, the screen shows what was saved.
    browser
        .goto(&format!("{}/linkage/catalog", server.url))
        .await?;
    browser.wait("@catalog-sheet").await?;
    let saved = browser
        .eval("return document.querySelector('[data-testid=catalog-added-fields] [data-testid=catalog-field-id]').value")
        .await?;
    assert_eq!(saved, "x_industry");
    // Offline, a new import condition still maps onto the tenant's sheets:
    // the wizard takes the catalog the browser kept.
    browser.goto(&format!("{}/linkage", server.url)).await?;
    browser.wait("@new-import-condition").await?;
    server.stop().await;
    browser.click("@new-import-condition").await?;
    browser
        .wait("@import-sheet option[value='x_events']")
        .await?;
    browser.close().await;
    Ok(())
}

/// A sheet's import screen: a file mapped on the spot (headers suggested,
/// a matching key chosen, the preview computed in the page), checked on the
/// server row by row (filtered to the failed row), applied after the
/// question, and found in the history as a manual run.
#[tokio::test]
async fn a_file_is_imported_by_hand_into_a_sheet() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("manual-import").await?;
    let browser = Browser::start("manual-import").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser.click("@nav-records").await?;
    browser.click("@records-import").await?;
    browser.wait("@manual-import").await?;
    let file = browser.file(
        "by-hand.csv",
        "顧客名,メールアドレス,ランク\r\n株式会社手入力,hand1@example.co.jp,A\r\n株式会社手入力2,hand2@example.co.jp,B\r\n株式会社ランク違い,hand3@example.co.jp,Z\r\n"
            .as_bytes(),
    )?;
    browser.upload("@sample-input", &file).await?;
    browser.wait("@mapping tr[data-row='3']").await?;
    browser
        .select("@mapping tr[data-row='2'] @mapping-target", "email")
        .await?;
    browser
        .click("@mapping tr[data-row='2'] @mapping-key")
        .await?;
    browser.wait("@preview tr[data-row='4']").await?;
    assert!(
        browser
            .text("@preview tr[data-row='4']")
            .await?
            .contains("C4")
    );

    browser.click("@manual-check").await?;
    browser.wait("@dry-rows tr[data-row='4']").await?;
    assert_eq!(browser.text("@dry-created").await?, "2");
    // One page of three rows: both page buttons there, both disabled.
    assert_eq!(
        browser
            .eval("const b = document.querySelector('[data-testid=dry-next]'); return b.disabled && b.textContent;")
            .await?,
        "次の100行"
    );
    assert_eq!(browser.text("@dry-failed").await?, "1");
    browser.select("@dry-outcome", "failed").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=dry-rows] tbody tr').length === 1",
            Duration::from_secs(10),
        )
        .await?;
    let failed = browser.text("@dry-rows tbody tr").await?;
    assert!(failed.contains("失敗") && failed.contains("Z"), "{failed}");
    assert_eq!(
        browser.text("@dry-rows tbody tr td:nth-child(4)").await?,
        "C4",
        "the cell is a column of its own"
    );
    browser.select("@dry-outcome", "skipped").await?;
    browser.wait("@dry-none").await?;
    browser.select("@dry-outcome", "failed").await?;

    browser.click("@manual-apply").await?;
    browser.click("@confirm-manual-apply").await?;
    let result = browser.text("@manual-result").await?;
    assert!(
        result.contains("新規 2") && result.contains("失敗 1"),
        "{result}"
    );
    // The condition wizard's step 2 links to that condition's runs only.
    browser
        .goto(&format!("{}/linkage/import/customers", server.url))
        .await?;
    browser.click("@to-step-2").await?;
    browser.click("@condition-history a").await?;
    assert!(browser.text("@runs-key").await?.contains("customers"));
    browser.wait("@runs").await?;
    assert!(
        !browser.text("@runs").await?.contains("その場のマッピング"),
        "another condition's run is not listed"
    );
    browser
        .goto(&format!("{}/linkage/sheets/customer/import", server.url))
        .await?;
    browser.wait("@manual-past a").await?;
    browser.click("@manual-past a").await?;
    browser.wait("@runs tbody tr").await?;
    let run = browser.text("@runs tbody tr").await?;
    assert!(
        run.contains("手動") && run.contains("その場のマッピング"),
        "{run}"
    );
    browser.close().await;
    Ok(())
}

/// Without a sample the mapping table takes headers typed by hand (a new
/// row starts from the field's label); the mapping is saved as a template;
/// a later sample whose headers it fits gets it before any suggestion.
#[tokio::test]
async fn mappings_are_typed_by_hand_saved_and_found_again() -> Result {
    let _one = one_at_a_time().await;
    let server = Server::start("templates").await?;
    let browser = Browser::start("templates").await?;
    browser.sign_in(&server, DEMO_ADMIN.0, DEMO_ADMIN.1).await?;
    browser
        .goto(&format!("{}/linkage/import/new", server.url))
        .await?;
    browser.fill("@import-key", "typed").await?;
    browser.click("@to-step-2").await?;
    browser.click("@to-step-3").await?;
    assert!(
        browser.text("@mapping-empty").await?.contains("行の追加"),
        "an empty mapping says what to do"
    );
    browser.click("@add-row").await?;
    let typed = "document.querySelector('[data-testid=mapping] tr[data-row=\"1\"] [data-testid=mapping-header]')";
    browser
        .wait("@mapping tr[data-row='1'] @mapping-header")
        .await?;
    assert_eq!(
        browser.eval(&format!("return {typed}.value;")).await?,
        "顧客ID",
        "a new row starts from the field's label"
    );
    browser
        .eval(&format!(
            "const i = {typed}; i.value = '会社名'; i.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;"
        ))
        .await?;
    browser
        .select("@mapping tr[data-row='1'] @mapping-target", "name")
        .await?;
    browser
        .click("@mapping tr[data-row='1'] @mapping-key")
        .await?;
    browser
        .wait_until(
            &format!("{typed}.value === '会社名'"),
            Duration::from_secs(5),
        )
        .await?;
    browser.fill("@template-name", "基幹の顧客").await?;
    browser.click("@template-save").await?;
    browser
        .wait_until(
            "(document.querySelector('[data-testid=template-answer]') || {}).textContent?.includes('保存しました')",
            Duration::from_secs(10),
        )
        .await?;

    // A new condition: the sample's headers fit the template.
    browser
        .goto(&format!("{}/linkage/import/new", server.url))
        .await?;
    browser.fill("@import-key", "fitted").await?;
    browser.click("@to-step-2").await?;
    browser
        .wait_until("document.readyState === 'complete'", Duration::from_secs(5))
        .await?;
    let sample = browser.file(
        "fits.csv",
        "備考,会社名\r\nx,株式会社テンプレ\r\n".as_bytes(),
    )?;
    browser.upload("@sample-input", &sample).await?;
    browser.click("@to-step-3").await?;
    let applied = browser.text("@template-applied").await?;
    assert!(applied.contains("基幹の顧客"), "{applied}");
    browser.wait("@preview tr[data-row='2']").await?;
    let row = browser.text("@preview tr[data-row='2']").await?;
    assert!(row.contains("株式会社テンプレ"), "{row}");
    browser.close().await;
    Ok(())
}
