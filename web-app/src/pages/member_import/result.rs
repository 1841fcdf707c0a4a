//! What a checked member file would do, its problems, the question before
//! applying it, and — once applied — the new members' set-up links.

use leptos::prelude::*;
use sheetlink_protocol::organisation::{MemberColumn, MemberImport, MemberOutcome, NewMemberLink};
use web_sys::File;

use crate::api::{self, ApiError};
use crate::components::{Answer, Confirm, Said, TableBox, when};
use crate::i18n::{Lang, t, use_lang};

fn field_text(column: MemberColumn, lang: Lang) -> &'static str {
    match column {
        MemberColumn::Name => lang.pick("氏名", "name"),
        MemberColumn::EmployeeNumber => lang.pick("従業員番号", "employee number"),
        MemberColumn::Email => lang.pick("メールアドレス", "e-mail"),
        MemberColumn::Roles => lang.pick("ロール", "roles"),
        MemberColumn::Groups => lang.pick("グループ", "groups"),
        MemberColumn::State => lang.pick("状態", "status"),
    }
}

fn outcome_text(outcome: MemberOutcome, lang: Lang) -> &'static str {
    match outcome {
        MemberOutcome::Created => lang.pick("新規", "New"),
        MemberOutcome::Updated => lang.pick("更新", "Updated"),
        MemberOutcome::Unchanged => lang.pick("変更なし", "Unchanged"),
        MemberOutcome::Deactivated => lang.pick("無効（全件同期）", "Deactivated (full sync)"),
    }
}

/// What applying does, in numbers.
fn summary(answer: &MemberImport, lang: Lang) -> String {
    let c = &answer.counts;
    lang.pick(
        format!("新規 {}名を登録し、{}名を更新します（うち無効 {}名・有効に戻す {}名）。全件同期で無効にするのは {}名です。", c.created, c.updated, c.deactivated, c.reactivated, c.deactivated_by_sync),
        format!("{} new members are added and {} updated ({} deactivated, {} activated again); full sync deactivates {}.", c.created, c.updated, c.deactivated, c.reactivated, c.deactivated_by_sync),
    )
}

/// The checked file, and applying it.
#[component]
pub fn Checked(
    /// The server's answer to the check.
    answer: MemberImport,
    /// The file checked (sent again to apply).
    file: RwSignal<Option<File>, LocalStorage>,
    /// Whether full sync was chosen.
    full_sync: RwSignal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let asking = RwSignal::new(false);
    let plan = answer.plan.clone();
    let apply = Action::new_local(move |(): &()| {
        let (chosen, sync, plan) = (
            file.get_untracked(),
            full_sync.get_untracked(),
            plan.clone(),
        );
        async move {
            let Some(chosen) = chosen else {
                return Err(ApiError::Unexpected("no file".into()));
            };
            api::post_csv::<MemberImport>(
                &format!("/api/organisation/members?apply=true&full_sync={sync}&plan={plan}"),
                &chosen,
            )
            .await
        }
    });
    let c = answer.counts;
    let has_errors = answer.error_count > 0;
    let changes_something = c.created + c.updated + c.deactivated_by_sync > 0;
    let question = {
        let answer = answer.clone();
        Signal::derive(move || summary(&answer, lang.get()))
    };
    let errors = answer.errors.iter().map(|e| view! {
        <tr data-testid="member-error" data-row=e.row.unwrap_or(0)>
            <td>{format!("{}{}", e.column_letter.clone().unwrap_or_default(), e.row.map(|r| r.to_string()).unwrap_or_default())}</td>
            <td>{ let e = e.clone(); move || if lang.get() == Lang::En { e.message_en.clone() } else { e.message.clone() } }</td>
        </tr>
    }).collect_view();
    let changes = answer.changes.iter().map(|change| {
        let change = change.clone();
        let fields = change.fields.clone();
        view! {
            <tr data-testid="member-change" data-outcome=format!("{:?}", change.outcome).to_lowercase()>
                <td>{change.row.map(|r| r.to_string()).unwrap_or_else(|| "—".into())}</td>
                <td>{move || outcome_text(change.outcome, lang.get())}</td>
                <td>{change.name.clone()}</td>
                <td>{change.key.clone()}</td>
                <td>{move || fields.iter().map(|f| field_text(*f, lang.get())).collect::<Vec<_>>().join("・")}</td>
                <td>{change.login.clone().unwrap_or_default()}</td>
            </tr>
        }
    }).collect_view();
    let new_groups = answer.new_groups.join("・");
    let leaders = answer.leaders_without_periods.join("・");
    let applied = Signal::derive(move || apply.value().get());
    view! {
        <div data-testid="members-checked" data-errors=answer.error_count>
            <h2>{t("確認の結果", "What the file does")}</h2>
            <p data-testid="member-counts">{move || lang.get().pick(
                format!("{}行: 新規 {}名・更新 {}名・変更なし {}名・失敗 {}行", c.rows, c.created, c.updated, c.unchanged, c.failed),
                format!("{} rows: {} new, {} updated, {} unchanged, {} failed", c.rows, c.created, c.updated, c.unchanged, c.failed),
            )}</p>
            <Show when=move || has_errors fallback=|| ()>
                <p class="error" role="alert" data-testid="member-errors-said">{move || lang.get().pick(
                    format!("{}件の問題があります。ファイルを直してもう一度選んでください（何も反映していません）。", answer.error_count),
                    format!("{} problems: fix the file and choose it again (nothing was applied).", answer.error_count),
                )}</p>
            </Show>
            {has_errors.then(|| view! {
                <TableBox label=t("問題", "Problems")>
                    <table data-testid="member-errors"><thead><tr><th>{t("セル", "Cell")}</th><th>{t("内容", "Problem")}</th></tr></thead><tbody>{errors}</tbody></table>
                </TableBox>
            })}
            <Show when={ let g = new_groups.clone(); move || !g.is_empty() } fallback=|| ()>
                <p data-testid="member-new-groups">{t("新しく作るグループ:", "Groups to be created:")}" "{new_groups.clone()}</p>
            </Show>
            <Show when={ let l = leaders.clone(); move || !l.is_empty() } fallback=|| ()>
                <p class="notice" data-testid="member-leaders">{t("担当する評価期がまだないグループリーダー（反映後、アカウント管理で評価期を設定してください）:", "Group leaders who lead no period yet (after applying, give them periods on the accounts screen):")}" "{leaders.clone()}</p>
            </Show>
            {(!answer.changes.is_empty()).then(|| view! {
            <TableBox label=t("変わるメンバー", "Members who change")>
                <table data-testid="member-changes">
                    <thead><tr><th>{t("行", "Row")}</th><th>{t("結果", "Outcome")}</th><th>{t("氏名", "Name")}</th><th>{t("従業員番号またはメール", "Employee number or e-mail")}</th><th>{t("変わる項目", "Fields that change")}</th><th>{t("ログインID", "Login id")}</th></tr></thead>
                    <tbody>{changes}</tbody>
                </table>
            </TableBox>
            })}
            {move || match applied.get() {
                Some(Ok(done)) => view! { <Applied answer=done/> }.into_any(),
                Some(Err(error)) => view! { <Answer said=Some(Said::Failed(error)) testid="members-apply-said"/> }.into_any(),
                None if !has_errors && changes_something => view! {
                    <Show when=move || asking.get() fallback=move || view! {
                        <button class="primary" data-testid="members-apply" on:click=move |_| asking.set(true)>{t("反映する", "Apply")}</button>
                    }>
                        <Confirm question=question yes=("反映する", "Apply") on_yes=Callback::new(move |()| { asking.set(false); apply.dispatch(()); }) on_no=Callback::new(move |()| asking.set(false)) testid="members-apply-yes"/>
                    </Show>
                }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

fn links_csv(links: &[NewMemberLink], lang: Lang) -> Vec<u8> {
    let mut csv = String::from("\u{feff}");
    csv.push_str(lang.pick(
        "氏名,ログインID,パスワード設定リンク,有効期限\r\n",
        "name,login id,set-up link,valid until\r\n",
    ));
    for link in links {
        let url = if link.emailed {
            lang.pick("（メールで送信）", "(e-mailed)").to_owned()
        } else {
            link.url.clone()
        };
        let quote = |text: &str| {
            format!(
                "\"{}\"",
                sheetlink_engine::csv_write::protect(text).replace('"', "\"\"")
            )
        };
        csv.push_str(&format!(
            "{},{},{},{}\r\n",
            quote(&link.name),
            quote(&link.login),
            quote(&url),
            when(link.expires_at)
        ));
    }
    csv.into_bytes()
}

#[component]
fn Applied(answer: MemberImport) -> impl IntoView {
    let lang = use_lang();
    let links = answer.links.clone();
    let rows = answer.links.iter().map(|link| view! {
        <tr data-testid="member-link">
            <td>{link.name.clone()}</td><td>{link.login.clone()}</td>
            <td>{if link.emailed { view! { <span>{t("メールで送信しました", "E-mailed")}</span> }.into_any() } else { view! { <code class="wrap" data-testid="member-link-url">{link.url.clone()}</code> }.into_any() }}</td>
        </tr>
    }).collect_view();
    let save = move |_| {
        let _ = crate::download::save(
            &links_csv(&links, lang.get_untracked()),
            "setup-links.csv",
            "text/csv;charset=utf-8",
        );
    };
    let c = answer.counts;
    view! {
        <p class="ok" role="status" data-testid="members-applied">{move || lang.get().pick(
            format!("✔ 反映しました: 新規 {}名・更新 {}名・全件同期で無効 {}名。", c.created, c.updated, c.deactivated_by_sync),
            format!("✔ Applied: {} new, {} updated, {} deactivated by full sync.", c.created, c.updated, c.deactivated_by_sync),
        )}</p>
        {(!answer.links.is_empty()).then(|| view! {
            <p>{t("新しいメンバーのパスワード設定リンクです（72時間有効・1回限り）。この画面を離れると二度と表示されません。本人に届けてください。", "The new members' set-up links (72 hours, once). They are not shown again once you leave: hand them to each person.")}</p>
            <button data-testid="member-links-download" on:click=save>{t("リンクの一覧をCSVで保存", "Save the links as a CSV")}</button>
            <TableBox label=t("パスワード設定リンク", "Set-up links")>
                <table data-testid="member-links"><thead><tr><th>{t("氏名", "Name")}</th><th>{t("ログインID", "Login id")}</th><th>{t("リンク", "Link")}</th></tr></thead><tbody>{rows}</tbody></table>
            </TableBox>
        })}
    }
}
