//! `/audit`: who changed settings, tokens, conditions, members, roles,
//! groups and sheets, and when (admins; a CRM admin sees batch linkage
//! only). Nobody edits it.

use leptos::prelude::*;
use sheetlink_protocol::accounts::{AuditAction, AuditEntry};

use crate::api;
use crate::components::{Loader, TableBox, ZoneNote, roles_text, sheet_status_text, when};
use crate::i18n::{Lang, t, use_lang};
use crate::session::SignedIn;

/// The one phrase for each kind of entry.
fn action_text(action: AuditAction) -> (&'static str, &'static str) {
    use AuditAction::*;
    match action {
        TenantCreated => ("組織を作成（運用者）", "Tenant created (operator)"),
        MemberCreated => ("メンバーを追加", "Member added"),
        RolesChanged => ("役割を変更", "Roles changed"),
        MemberDeactivated => ("アカウントを無効化", "Account deactivated"),
        MemberReactivated => ("アカウントを有効化", "Account activated"),
        SetupLinkIssued => ("パスワード再設定リンクを発行", "Set-up link issued"),
        PasswordSet => ("パスワードを設定（リンク）", "Password set (link)"),
        PasswordChanged => ("パスワードを変更", "Password changed"),
        LinkageSettingsChanged => ("バッチ連携の設定を変更", "Linkage settings changed"),
        TokenIssued => ("連携トークンを発行", "Batch token issued"),
        ConditionSaved => ("連携条件を保存", "Condition saved"),
        ConditionDeleted => ("連携条件を削除", "Condition deleted"),
        SheetStatusChanged => ("シートのステータスを変更", "Sheet status changed"),
        GroupCreated => ("グループを追加", "Group added"),
        GroupMembersChanged => ("グループのメンバーを変更", "Group members changed"),
        PeriodCreated => ("評価期を追加", "Period added"),
        PeriodChanged => ("評価期を変更", "Period changed"),
        SheetCreated => ("シートを追加", "Sheet added"),
        SheetChanged => ("シートの内容を変更", "Sheet changed"),
        SheetPublicationChanged => ("シートの公開を変更", "Sheet publication changed"),
        EvaluateesAdded => ("被評価者を追加", "Evaluatees added"),
        MembersImported => ("メンバーをCSVで登録", "Members imported (CSV)"),
        ListChanged => ("リストからレコードを外した", "Records taken out of a list"),
        RecordDeleted => ("レコードを削除", "Record deleted"),
        CatalogChanged => ("CRMの項目を変更", "CRM fields changed"),
        MappingTemplateSaved => ("マッピングテンプレートを保存", "Mapping template saved"),
        MappingTemplateDeleted => ("マッピングテンプレートを削除", "Mapping template deleted"),
    }
}

/// An entry's details in words: the roles given, the status a sheet moved
/// to, or what the server wrote.
fn detail(entry: &AuditEntry, lang: Lang) -> String {
    if let Some(roles) = &entry.roles {
        return roles_text(roles, lang, true);
    }
    if let Some(status) = entry.status {
        let (ja, en) = sheet_status_text(status);
        return lang.pick(format!("→ {ja}"), format!("→ {en}"));
    }
    if let Some(counts) = &entry.members {
        return lang.pick(
            format!(
                "新規 {}名・更新 {}名（無効 {}名・有効 {}名）・全件同期で無効 {}名",
                counts.created,
                counts.updated,
                counts.deactivated,
                counts.reactivated,
                counts.deactivated_by_sync
            ),
            format!(
                "{} new, {} updated ({} deactivated, {} activated), {} deactivated by full sync",
                counts.created,
                counts.updated,
                counts.deactivated,
                counts.reactivated,
                counts.deactivated_by_sync
            ),
        );
    }
    match (entry.action, entry.switched_on, entry.count) {
        (AuditAction::PeriodChanged, Some(open), _) => lang
            .pick(
                if open {
                    "受付中にした"
                } else {
                    "終了にした"
                },
                if open { "opened" } else { "closed" },
            )
            .to_owned(),
        (AuditAction::SheetPublicationChanged, Some(on), _) => lang
            .pick(
                if on {
                    "公開した"
                } else {
                    "非公開にした"
                },
                if on { "published" } else { "unpublished" },
            )
            .to_owned(),
        (AuditAction::EvaluateesAdded, _, Some(count)) => {
            lang.pick(format!("{count}名"), format!("{count} members"))
        }
        (AuditAction::RecordDeleted, _, Some(count)) if count > 0 => lang.pick(
            format!("紐づき {count}件を外した"),
            format!("{count} links to it cleared"),
        ),
        (AuditAction::GroupMembersChanged, _, Some(count)) => lang.pick(
            format!("メンバー {count}名"),
            format!("{count} members now"),
        ),
        // Written by the server for API readers; the columns already say it.
        (
            AuditAction::TenantCreated
            | AuditAction::GroupCreated
            | AuditAction::PeriodCreated
            | AuditAction::PeriodChanged
            | AuditAction::SheetCreated
            | AuditAction::SheetChanged
            | AuditAction::SheetPublicationChanged,
            _,
            _,
        ) => String::new(),
        _ => entry.detail.clone(),
    }
}

/// `/audit`.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <SignedIn><Audit/></SignedIn> }
}

#[component]
fn Audit() -> impl IntoView {
    let lang = use_lang();
    let entries = LocalResource::new(|| api::get::<Vec<AuditEntry>>("/api/audit"));
    view! {
        <section class="card" data-testid="audit">
            <h1>{t("監査ログ", "Audit log")}</h1>
            <p class="muted">{t(
                "設定・トークン・連携条件・メンバー・役割・グループ・シートのステータスを、誰がいつ変えたかの記録です（新しい順に最大500件）。誰も編集できません。",
                "Who changed settings, tokens, conditions, members, roles, groups and sheet statuses, and when (newest first, up to 500). Nobody can edit it.",
            )}</p>
            <Loader>
                {move || Suspend::new(async move {
                    entries.await.map(|entries| if entries.is_empty() {
                        view! { <p class="muted" data-testid="audit-empty">{t("記録はまだありません。", "Nothing recorded yet.")}</p> }.into_any()
                    } else {
                        view! {
                            <ZoneNote/>
                            <TableBox label=t("監査ログ", "Audit log")>
                                <table data-testid="audit-list">
                                    <thead><tr>
                                        <th scope="col">{t("日時", "When")}</th><th scope="col">{t("誰が", "Who")}</th>
                                        <th scope="col">{t("内容", "What")}</th><th scope="col">{t("対象", "Target")}</th><th scope="col">{t("詳細", "Details")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {entries.into_iter().map(|entry| {
                                            let (ja, en) = action_text(entry.action);
                                            view! {
                                                <tr data-testid="audit-row">
                                                    <td>{when(entry.at)}</td>
                                                    <td>{entry.actor_name.clone()}</td>
                                                    <td>{move || lang.get().pick(ja, en)}</td>
                                                    <td>{[&entry.target_name, &entry.target].into_iter().find(|t| !t.is_empty()).cloned().unwrap_or_else(|| "—".into())}</td>
                                                    <td>{move || detail(&entry, lang.get())}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </TableBox>
                        }.into_any()
                    })
                })}
            </Loader>
        </section>
    }
}
