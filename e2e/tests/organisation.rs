//! From nothing, in real Chromium: the operator creates a tenant; its first
//! admin sets a password with the set-up link, adds a period, builds a sheet
//! of nested blocks with items of every type and its permission matrix,
//! registers 50 members from a CSV (one wrong row first, fixed, then
//! applied), makes a group leader of one of them and the group evaluatees;
//! the leader signs in, downloads the template and imports values; a member
//! signs in, sees the history list and their own values, and moves their
//! sheet to the next status.

use std::time::Duration;

use anyhow::Context as _;
use sheetlink_e2e::{Browser, Server, one_at_a_time};
use sheetlink_protocol::accounts::NewTenant;

type Result = anyhow::Result<()>;

/// Sets the value of the `index`th element with `testid` (in document
/// order) as typing would, and tells the page.
async fn set_nth(browser: &Browser, testid: &str, index: usize, value: &str) -> Result {
    let value = serde_json::to_string(value)?;
    browser
        .eval(&format!(
            "const el = document.querySelectorAll('[data-testid={testid}]')[{index}];
             el.value = {value};
             el.dispatchEvent(new Event('input', {{bubbles: true}}));
             el.dispatchEvent(new Event('change', {{bubbles: true}}));
             return true;"
        ))
        .await?;
    Ok(())
}

/// Clicks the `index`th element with `testid`.
async fn click_nth(browser: &Browser, testid: &str, index: usize) -> Result {
    browser
        .eval(&format!(
            "document.querySelectorAll('[data-testid={testid}]')[{index}].click(); return true;"
        ))
        .await?;
    Ok(())
}

/// Chooses a password with the set-up link `url`.
async fn set_up(browser: &Browser, url: &str, password: &str) -> Result {
    browser.goto(url).await?;
    browser.fill("@setup-password", password).await?;
    browser.fill("@setup-again", password).await?;
    browser.click("@setup-submit").await?;
    browser.wait("@who").await?;
    Ok(())
}

/// The member file: 50 members of 営業一課 (a group that does not exist
/// yet), the first a group leader; `bad_row` (1-based data row) gets an
/// address that is none.
fn member_file(bad_row: Option<usize>) -> String {
    let mut csv = String::from("\u{feff}氏名,従業員番号,メールアドレス,ロール,グループ,状態\r\n");
    for n in 1..=50 {
        let email = if Some(n) == bad_row {
            format!("member{n}@")
        } else {
            format!("member{n}@acme.example")
        };
        let role = if n == 1 {
            "グループリーダー"
        } else {
            ""
        };
        csv.push_str(&format!(
            "社員 {n}号,S{n:04},{email},{role},営業一課,有効\r\n"
        ));
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_from_nothing_to_a_member_moving_their_sheet() -> Result {
    let _one = one_at_a_time().await;
    let (server, admin_link) = Server::start_from_nothing(
        "from-nothing",
        &NewTenant {
            id: "acme".into(),
            name: "アクメ株式会社".into(),
            admin_login: "hr-chief".into(),
            admin_name: "人事 部長".into(),
        },
    )
    .await?;
    let browser = Browser::start("from-nothing").await?;

    // The first admin sets a password and finds an empty organisation.
    set_up(&browser, &admin_link, "spring rain over kyoto").await?;
    browser.click("@nav-organisation").await?;
    browser.wait("@periods-empty").await?;
    assert!(browser.exists("@sheets-empty").await?);

    // A period.
    browser.fill("@period-id", "2027-h1").await?;
    browser.fill("@period-new-name", "2027年度上期").await?;
    browser.click("@period-create").await?;
    browser.wait("@period-row[data-period='2027-h1']").await?;

    // A sheet: a named block holding a number, and an unnamed block inside
    // it holding a dropdown, a text, a checkbox and an evaluation entry.
    browser.fill("@sheet-id", "role").await?;
    browser.fill("@sheet-new-name", "役割評価シート").await?;
    browser.click("@sheet-create").await?;
    browser.wait("@sheet-form").await?;
    set_nth(&browser, "block-name", 0, "役割評価").await?;
    click_nth(&browser, "add-item", 0).await?;
    click_nth(&browser, "add-inner-block", 0).await?;
    // The inner block's button now comes first in the page.
    for _ in 0..4 {
        click_nth(&browser, "add-item", 0).await?;
    }
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=item]').length === 5",
            Duration::from_secs(5),
        )
        .await?;
    let items = [
        ("total", "総合点", "number"),
        ("grade", "評語", "dropdown"),
        ("memo", "所見", "text"),
        ("done", "面談済み", "checkbox"),
        ("entry", "評価者記入欄", "evaluation_entry"),
    ];
    for (index, (id, name, kind)) in items.iter().enumerate() {
        set_nth(&browser, "item-id", index, id).await?;
        set_nth(&browser, "item-name", index, name).await?;
        set_nth(&browser, "item-kind", index, kind).await?;
    }
    set_nth(&browser, "item-min", 0, "0").await?;
    set_nth(&browser, "item-max", 0, "abc").await?;
    browser.wait("@item-options").await?;
    set_nth(&browser, "item-options", 0, "S\nA\nB").await?;
    set_nth(&browser, "item-max-len", 0, "200").await?;
    // 所見 is for admins only: its leader boxes (not started, self
    // evaluated — the defaults) are cleared.
    click_nth(&browser, "item-write", 2 * 8 + 4).await?;
    click_nth(&browser, "item-write", 2 * 8 + 5).await?;
    // A maximum that is no number is said before anything is sent.
    browser.click("@sheet-save").await?;
    let said = browser.text("@sheet-said").await?;
    assert!(said.contains("総合点") && said.contains("abc"), "{said}");
    set_nth(&browser, "item-max", 0, "100").await?;
    browser.click("@sheet-save").await?;
    browser
        .wait_until(
            "document.querySelector('[data-testid=sheet-said]')?.classList.contains('ok')",
            Duration::from_secs(5),
        )
        .await?;
    browser.click("@sheet-publish").await?;
    browser
        .wait("@sheet-published[data-published='true']")
        .await?;

    // 50 members from a CSV: one wrong row first.
    browser
        .goto(&format!("{}/accounts/import", server.url))
        .await?;
    let wrong = browser.file("members.csv", member_file(Some(6)).as_bytes())?;
    browser.upload("@file-input", &wrong).await?;
    browser.wait("@members-checked[data-errors='1']").await?;
    let error = browser.text("@member-error").await?;
    assert!(
        error.contains("C7") && error.contains("member6@"),
        "{error}"
    );
    assert!(
        !browser.exists("@members-apply").await?,
        "a file with a problem cannot be applied"
    );
    let fixed = browser.file("members-fixed.csv", member_file(None).as_bytes())?;
    browser.upload("@file-input", &fixed).await?;
    browser.wait("@members-checked[data-errors='0']").await?;
    let counts = browser.text("@member-counts").await?;
    assert!(counts.contains("新規 50名"), "{counts}");
    assert!(
        browser
            .text("@member-new-groups")
            .await?
            .contains("営業一課")
    );
    assert!(browser.text("@member-leaders").await?.contains("社員 1号"));
    browser.click("@members-apply").await?;
    let asked = browser.text("@confirm").await?;
    assert!(asked.contains("新規 50名"), "{asked}");
    browser.click("@members-apply-yes").await?;
    browser
        .wait_for("@members-applied", Duration::from_secs(20))
        .await?;
    let link_of = |n: usize| {
        format!(
            "return [...document.querySelectorAll('[data-testid=member-link]')].find(r => r.textContent.includes('member{n}@acme.example')).querySelector('[data-testid=member-link-url]').textContent;"
        )
    };
    let leader_link = browser
        .eval(&link_of(1))
        .await?
        .as_str()
        .context("the leader's link")?
        .to_owned();
    let member_link = browser
        .eval(&link_of(7))
        .await?
        .as_str()
        .context("a member's link")?
        .to_owned();

    // The leader leads the period too.
    browser.click("@nav-accounts").await?;
    browser.fill("@account-filter", "member1@acme").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=account-row]').length === 1",
            Duration::from_secs(5),
        )
        .await?;
    browser.click("@edit-roles").await?;
    browser
        .click("[data-testid=lead-period][id^='edit-'][id$='p-2027-h1']")
        .await?;
    browser.click("@save-roles").await?;
    let said = browser.text("@account-said").await?;
    assert!(said.contains("社員 1号さんを更新しました"), "{said}");
    let scope = browser
        .eval_async(
            "const done = arguments[0];
             fetch('/api/accounts').then(r => r.json())
               .then(list => done(list.find(a => a.login_id === 'member1@acme.example').roles.leader), e => done(String(e)));",
        )
        .await?;
    assert_eq!(scope["periods"], serde_json::json!(["2027-h1"]), "{scope}");
    assert_eq!(scope["groups"].as_array().map(Vec::len), Some(1), "{scope}");

    // The group becomes the sheet's evaluatees.
    browser.click("@nav-organisation").await?;
    browser.wait("@evaluatees").await?;
    browser.click("@evaluatee-group").await?;
    browser.click("@evaluatee-add").await?;
    let said = browser.text("@evaluatee-said").await?;
    assert!(said.contains("50名"), "{said}");

    // The leader: template, values, import.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    set_up(&browser, &leader_link, "leaders read the room").await?;
    browser.click("@nav-template").await?;
    browser.select("@period", "2027-h1").await?;
    browser.select("@sheet", "role").await?;
    browser.wait("@item-grade").await?;
    assert!(
        !browser.exists("@item-memo").await?,
        "所見 is not the leader's to write"
    );
    browser.click("@select-shown").await?;
    browser.click("@download-template").await?;
    let template = String::from_utf8(browser.downloaded("template_2027-h1_role").await?)?;
    let mut lines: Vec<String> = template
        .trim_end()
        .split("\r\n")
        .map(str::to_owned)
        .collect();
    assert!(
        lines[2].contains("【役割評価>総合点】") && lines[2].contains("【役割評価>未設定>評語】"),
        "{}",
        lines[2]
    );
    let header: Vec<&str> = lines[1].split(',').collect();
    let row = lines
        .iter()
        .position(|l| l.contains(",S0007,"))
        .context("member 7 in the template")?;
    let values: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(column, id)| match *id {
            "total" => "88.5".to_owned(),
            "grade" => "A".to_owned(),
            "done" => "1".to_owned(),
            _ => lines[row]
                .split(',')
                .nth(column)
                .unwrap_or_default()
                .to_owned(),
        })
        .collect();
    lines[row] = values.join(",");
    let filled = browser.file("role.csv", format!("{}\r\n", lines.join("\r\n")).as_bytes())?;
    browser.click("@nav-import").await?;
    browser.upload("@file-input", &filled).await?;
    let summary = browser.wait("@summary").await?;
    assert_eq!(summary.attr("data-status").await?.as_deref(), Some("ok"));
    browser.click("@dry-run").await?;
    browser.wait("@dry-run-result").await?;
    browser.click("@apply").await?;
    browser.click("@confirm-apply").await?;
    let result = browser
        .wait_for("@import-result", Duration::from_secs(30))
        .await?;
    assert_eq!(
        result.attr("data-status").await?.as_deref(),
        Some("completed")
    );

    // The member: history, own values, the next status.
    browser.click("@sign-out").await?;
    browser.wait("@sign-in-link").await?;
    set_up(&browser, &member_link, "members move their own").await?;
    browser.wait("@my-sheets").await?;
    let card = browser.text("@sheet-card").await?;
    assert!(
        card.contains("88.5") && card.contains("A") && card.contains("未着手"),
        "{card}"
    );
    browser.click("@advance").await?;
    browser.click("@confirm-advance").await?;
    browser
        .wait_until("document.querySelector('[data-testid=sheet-status]').textContent.includes('自己評価済')", Duration::from_secs(5))
        .await?;
    browser.click("@nav-history").await?;
    browser
        .wait_until(
            "document.querySelectorAll('[data-testid=history] tbody tr').length === 1",
            Duration::from_secs(5),
        )
        .await?;
    assert!(browser.text("@history").await?.contains("役割評価シート"));
    browser.close().await;
    Ok(())
}
