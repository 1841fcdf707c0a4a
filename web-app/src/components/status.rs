//! States in words and as badges (colour, icon and words together, never
//! colour alone), one word per state everywhere (../shared/UX.md).

use leptos::prelude::*;
use sheetlink_engine::evaluation::MAX_ERRORED_EVALUATEES;
use sheetlink_protocol::Outcome;
use sheetlink_protocol::accounts::Roles;
use sheetlink_protocol::linkage::{Direction, RunStatus};
use sheetlink_protocol::org::SheetStatusName;
use sheetlink_protocol::session::RoleName;

use crate::api::ImportStatus;
use crate::i18n::{Lang, use_lang};

/// How a state reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Done as asked.
    Good,
    /// Done in part, or stopped with something kept.
    Warn,
    /// Nothing done.
    Bad,
    /// Under way, or set aside.
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Good => "badge good",
            Tone::Warn => "badge warn",
            Tone::Bad => "badge bad",
            Tone::Neutral => "badge neutral",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Tone::Good => "✓",
            Tone::Warn => "!",
            Tone::Bad => "×",
            Tone::Neutral => "•",
        }
    }
}

/// A badge: icon and words in the tone's colours.
#[component]
pub fn Badge(
    /// Its colours and icon.
    tone: Tone,
    /// Its words, following the language switch.
    #[prop(into)]
    text: Signal<String>,
    /// The state's API name, for tests (`data-status`).
    #[prop(optional)]
    status: &'static str,
) -> impl IntoView {
    view! {
        <span class=tone.class() data-status=(!status.is_empty()).then_some(status)>
            <span aria-hidden="true">{tone.icon()}</span>
            " "
            {text}
        </span>
    }
}

/// The state of an import, in words; `reverted` wins over the state.
pub fn import_status_text(lang: Lang, status: ImportStatus, reverted: bool) -> String {
    if reverted {
        return lang.pick("取り消し済み", "Reverted").to_owned();
    }
    match status {
        ImportStatus::Running => lang.pick("実行中", "Running").to_owned(),
        ImportStatus::Completed => lang.pick("完了", "Completed").to_owned(),
        ImportStatus::CompletedWithErrors => lang.pick("一部エラー", "Some errors").to_owned(),
        ImportStatus::AllFailed => lang.pick("すべて失敗", "All failed").to_owned(),
        ImportStatus::Aborted => lang.pick(
            format!("中断（エラーが{MAX_ERRORED_EVALUATEES}名に達したため）"),
            format!("Stopped ({MAX_ERRORED_EVALUATEES} evaluatees had errors)"),
        ),
        ImportStatus::TimedOut => lang.pick("タイムアウト", "Timed out").to_owned(),
        ImportStatus::Interrupted => lang
            .pick(
                "停止（サーバーの停止または障害による）",
                "Stopped (the server stopped or failed)",
            )
            .to_owned(),
    }
}

fn import_tone(status: ImportStatus, reverted: bool) -> Tone {
    if reverted {
        return Tone::Neutral;
    }
    match status {
        ImportStatus::Running => Tone::Neutral,
        ImportStatus::Completed => Tone::Good,
        ImportStatus::CompletedWithErrors | ImportStatus::TimedOut | ImportStatus::Interrupted => {
            Tone::Warn
        }
        ImportStatus::AllFailed | ImportStatus::Aborted => Tone::Bad,
    }
}

/// An import's state as a badge.
#[component]
pub fn ImportBadge(
    /// The state.
    status: ImportStatus,
    /// Whether it was reverted since.
    #[prop(optional)]
    reverted: bool,
) -> impl IntoView {
    let lang = use_lang();
    let text = Signal::derive(move || import_status_text(lang.get(), status, reverted));
    let code = if reverted {
        "reverted"
    } else {
        status.as_str()
    };
    view! { <Badge tone=import_tone(status, reverted) text=text status=code/> }
}

/// A batch run's state as a badge.
#[component]
pub fn RunBadge(
    /// The state.
    status: RunStatus,
) -> impl IntoView {
    let lang = use_lang();
    let (tone, ja, en) = match status {
        RunStatus::Completed => (Tone::Good, "完了", "Completed"),
        RunStatus::CompletedWithErrors => (Tone::Warn, "一部エラー", "Some errors"),
        RunStatus::AllFailed => (Tone::Bad, "すべて失敗", "All failed"),
        RunStatus::Running => (Tone::Neutral, "実行中", "Running"),
        // Nothing of an interrupted run was applied (its one transaction
        // never committed): nothing done, so not a warning.
        RunStatus::Interrupted => (Tone::Bad, "停止", "Stopped"),
    };
    let text = Signal::derive(move || lang.get().pick(ja, en).to_owned());
    view! { <Badge tone=tone text=text status=status.as_str()/> }
}

/// What became of a row, in the one word for it.
pub fn outcome_text(lang: Lang, outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Created => lang.pick("新規", "Created"),
        Outcome::Updated => lang.pick("更新", "Updated"),
        Outcome::Unchanged => lang.pick("変更なし", "Unchanged"),
        Outcome::Skipped => lang.pick("スキップ", "Skipped"),
        Outcome::Failed => lang.pick("失敗", "Failed"),
    }
}

/// Which way a batch run went.
pub fn direction_text(lang: Lang, direction: Direction) -> &'static str {
    match direction {
        Direction::Import => lang.pick("インポート", "Import"),
        Direction::Export => lang.pick("エクスポート", "Export"),
    }
}

/// The one word for a sheet's status.
pub fn sheet_status_text(status: SheetStatusName) -> (&'static str, &'static str) {
    match status {
        SheetStatusName::NotStarted => ("未着手", "Not started"),
        SheetStatusName::SelfEvaluated => ("自己評価済", "Self-evaluated"),
        SheetStatusName::FirstEvaluated => ("一次評価済", "First evaluation done"),
        SheetStatusName::FinalEvaluated => ("最終評価完了", "Final evaluation done"),
    }
}

/// A sheet's status as a badge.
#[component]
pub fn SheetBadge(
    /// The status.
    status: SheetStatusName,
) -> impl IntoView {
    let lang = use_lang();
    let (ja, en) = sheet_status_text(status);
    let tone = match status {
        SheetStatusName::FinalEvaluated => Tone::Good,
        SheetStatusName::NotStarted => Tone::Neutral,
        _ => Tone::Warn,
    };
    view! { <Badge tone=tone text=Signal::derive(move || lang.get().pick(ja, en).to_owned())/> }
}

/// A member's roles in words (`評価管理者・グループリーダー`; メンバー when
/// nothing more), with the groups and periods a leader leads when `scope`.
pub fn roles_text(roles: &Roles, lang: Lang, scope: bool) -> String {
    let word = |role| {
        let (ja, en) = role_text(role);
        lang.pick(ja, en).to_owned()
    };
    let mut words = Vec::new();
    if roles.evaluation_admin {
        words.push(word(RoleName::EvaluationAdmin));
    }
    if roles.crm_admin {
        words.push(word(RoleName::CrmAdmin));
    }
    if let Some(led) = &roles.leader {
        let leader = word(RoleName::Leader);
        words.push(if scope {
            let led = format!("{} / {}", led.groups.join(", "), led.periods.join(", "));
            lang.pick(format!("{leader}（{led}）"), format!("{leader} ({led})"))
        } else {
            leader
        });
    }
    if words.is_empty() {
        words.push(word(RoleName::Member));
    }
    words.join("・")
}

/// The one word for each role.
pub fn role_text(role: RoleName) -> (&'static str, &'static str) {
    match role {
        RoleName::EvaluationAdmin => ("評価管理者", "Evaluation admin"),
        RoleName::CrmAdmin => ("CRM管理者", "CRM admin"),
        RoleName::Leader => ("グループリーダー", "Group leader"),
        RoleName::Member => ("メンバー", "Member"),
    }
}
