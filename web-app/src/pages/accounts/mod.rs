//! `/accounts`: the tenant's members and their roles (evaluation admins).
//! Add a member (a set-up link is made for those who sign in), change
//! roles, deactivate or activate, reset a password, add a group.

pub mod create;
pub mod link;
pub mod list;
pub mod roles;

use leptos::prelude::*;
use sheetlink_protocol::accounts::{Account, GroupView};
use sheetlink_protocol::org::PeriodView;

use crate::api::{self, RoleName};
use crate::components::{Answer, Loader, Said};
use crate::i18n::t;
use crate::session::{SignedIn, use_session};

/// What an action on the screen said, kept above the reloads it causes:
/// a sentence, and a set-up link to show once (with whose it is).
#[derive(Clone, Copy)]
pub struct Told {
    /// The last action's outcome.
    pub said: RwSignal<Option<Said>>,
    /// A set-up link just made, and the member's name.
    pub link: RwSignal<Option<(sheetlink_protocol::accounts::SetupLink, String)>>,
}

/// What the screen reads once and its parts share.
#[derive(Clone)]
pub struct Directory {
    /// Every member.
    pub accounts: Vec<Account>,
    /// Every group.
    pub groups: Vec<GroupView>,
    /// Every period.
    pub periods: Vec<PeriodView>,
}

/// `/accounts`.
#[component]
pub fn AccountsPage() -> impl IntoView {
    view! { <SignedIn><Accounts/></SignedIn> }
}

#[component]
fn Accounts() -> impl IntoView {
    let session = use_session();
    let allowed = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.has(RoleName::EvaluationAdmin)))
    };
    let directory = LocalResource::new(|| async {
        Ok::<_, api::ApiError>(Directory {
            accounts: api::get("/api/accounts").await?,
            groups: api::get("/api/groups").await?,
            periods: api::get("/api/periods").await?,
        })
    });
    let reload = Callback::new(move |()| directory.refetch());
    let told = Told {
        said: RwSignal::new(None),
        link: RwSignal::new(None),
    };
    view! {
        <section class="card" data-testid="accounts">
            <h1>{t("アカウント管理", "Accounts")}</h1>
            <Show when=allowed fallback=|| view! {
                <p class="notice" data-testid="accounts-not-allowed">{t(
                    "アカウントの管理は評価管理者が行います。",
                    "Accounts are managed by evaluation admins.",
                )}</p>
            }>
                <Answer said=told.said testid="account-said"/>
                {move || told.link.get().map(|(link, name)| view! { <link::ShownLink link=link name=name/> })}
                <Loader>
                    {move || Suspend::new(async move {
                        directory.await.map(|directory| view! {
                            <create::NewMember directory=directory.clone() reload=reload told=told/>
                            <list::AccountList directory=directory.clone() reload=reload told=told/>
                            <create::NewGroup groups=directory.groups reload=reload/>
                        })
                    })}
                </Loader>
            </Show>
        </section>
    }
}
