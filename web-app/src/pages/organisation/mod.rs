//! `/organisation`: setting up the organisation (evaluation admins) —
//! evaluation periods, customize sheets (each edited on its own page,
//! `sheet_editor`), who is evaluated on which sheet in which period, and
//! who is in which group. Members in bulk have their own page
//! (`/accounts/import`).

pub mod evaluatees;
pub mod groups;
pub mod periods;
pub mod sheets;

use leptos::prelude::*;
use leptos_router::components::A;
use sheetlink_protocol::accounts::Account;
use sheetlink_protocol::org::{MemberView, PeriodView};
use sheetlink_protocol::organisation::{GroupMembers, SheetOutline};

use crate::api::{self, RoleName};
use crate::components::Loader;
use crate::i18n::t;
use crate::session::{SignedIn, use_session};

/// What the screen reads once and its parts share.
#[derive(Clone)]
pub struct Setup {
    /// Every period.
    pub periods: Vec<PeriodView>,
    /// Every sheet.
    pub sheets: Vec<SheetOutline>,
    /// Every group with its members.
    pub groups: Vec<GroupMembers>,
    /// Every active member, for pickers.
    pub members: Vec<MemberView>,
}

/// `/organisation`.
#[component]
pub fn OrganisationPage() -> impl IntoView {
    view! { <SignedIn><Organisation/></SignedIn> }
}

#[component]
fn Organisation() -> impl IntoView {
    let session = use_session();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::EvaluationAdmin)))
    };
    let setup = LocalResource::new(|| async {
        let accounts: Vec<Account> = api::get("/api/accounts").await?;
        Ok::<_, api::ApiError>(Setup {
            periods: api::get("/api/organisation/periods").await?,
            sheets: api::get("/api/organisation/sheets").await?,
            groups: api::get("/api/organisation/groups").await?,
            members: accounts
                .into_iter()
                .filter(|a| a.active)
                .map(|a| MemberView {
                    id: a.id,
                    name: a.name,
                })
                .collect(),
        })
    });
    let reload = Callback::new(move |()| setup.refetch());
    view! {
        <section class="card" data-testid="organisation">
            <h1>{t("組織の設定", "Organisation set-up")}</h1>
            <Show when=allowed fallback=|| view! {
                <p class="notice" data-testid="organisation-not-allowed">{t(
                    "組織の設定は評価管理者が行います。",
                    "The organisation is set up by evaluation admins.",
                )}</p>
            }>
                <p>
                    {t("順に設定します: 評価期 → シート → 被評価者。メンバーは", "Set up in order: periods → sheets → evaluatees. Members are added on")}
                    " "<A href="/accounts">{t("アカウント管理", "Accounts")}</A>" "
                    {t("で1人ずつ、または", "one at a time, or")}
                    " "<A href="/accounts/import" attr:data-testid="link-member-import">{t("CSVで一括登録", "in bulk from a CSV")}</A>
                    {t("します。", ".")}
                </p>
                <Loader>
                    {move || Suspend::new(async move {
                        setup.await.map(|setup| view! {
                            <periods::Periods periods=setup.periods.clone() reload=reload/>
                            <sheets::Sheets sheets=setup.sheets.clone() reload=reload/>
                            <evaluatees::Evaluatees setup=setup.clone()/>
                            <groups::Groups groups=setup.groups.clone() members=setup.members.clone() reload=reload/>
                        })
                    })}
                </Loader>
            </Show>
        </section>
    }
}

/// An input's value into `signal`.
pub fn text(signal: RwSignal<String>) -> impl Fn(leptos::ev::Event) {
    move |ev| signal.set(event_target_value(&ev))
}
