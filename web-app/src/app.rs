//! The frame: header, navigation, language switch, offline banner, routes.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::api::{self, Me, RoleName};
use crate::i18n::{Lang, t};
use crate::network;
use crate::pages::account::AccountPage;
use crate::pages::accounts::AccountsPage;
use crate::pages::audit::AuditPage;
use crate::pages::catalog::CatalogPage;
use crate::pages::export_wizard::ExportWizardPage;
use crate::pages::history::{HistoryPage, ImportDetailPage};
use crate::pages::import::ImportPage;
use crate::pages::import_wizard::ImportWizardPage;
use crate::pages::linkage::LinkagePage;
use crate::pages::lists::ListsPage;
use crate::pages::login::LoginPage;
use crate::pages::manual_import::ManualImportPage;
use crate::pages::member_import::MemberImportPage;
use crate::pages::organisation::OrganisationPage;
use crate::pages::records::RecordsPage;
use crate::pages::records::detail::RecordPage;
use crate::pages::runs::RunsPage;
use crate::pages::setup::SetupPage;
use crate::pages::sheet_editor::SheetEditorPage;
use crate::pages::sheets::{SheetPage, SheetsPage};
use crate::pages::template::TemplatePage;
use crate::pages::timeline::TimelinePage;
use crate::session::{Session, use_session};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(crate::i18n::remembered());
    provide_context(lang);
    let session = Session {
        me: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    network::watch_browser();
    network::register_service_worker();
    // Who is signed in, asked once; signing in and out change it later.
    let me = LocalResource::new(|| api::get::<Me>("/api/me"));
    Effect::new(move || {
        if let Some(answer) = me.get() {
            // Not signed in, or the server unreachable: screens say which.
            let answer = answer.ok();
            if let Some(me) = &answer {
                crate::components::set_time_zone(me.utc_offset_minutes);
            }
            session.me.set(answer);
            session.checked.set(true);
        }
    });
    Effect::new(move || {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", lang.get().code());
        }
    });
    let has = move |roles: &[RoleName]| {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| roles.iter().any(|r| m.has(*r))))
    };
    let online = network::online();
    // Offline, the server is asked every few seconds whether it is back;
    // the banner goes and uploads come back without a reload.
    Effect::new(move || {
        if !online.get() {
            leptos::task::spawn_local(wait_for_server(session));
        }
    });

    view! {
        <Router>
            <header class="top">
                <a class="brand" href="/">"sheetlink"</a>
                // What each role does, and nothing else: signed out only the
                // offline checker; importers import; everyone signed in
                // their sheets, the history and the timeline; CRM admins
                // batch linkage; evaluation admins accounts; admins the log.
                <nav aria-label=t("メニュー", "Menu")>
                    <Show when=move || session.me.with(Option::is_none) || has(&[RoleName::EvaluationAdmin, RoleName::Leader])>
                        <A href="/" attr:data-testid="nav-import">{t("インポート", "Import")}</A>
                    </Show>
                    <Show when=move || has(&[RoleName::EvaluationAdmin, RoleName::Leader])>
                        <A href="/template" attr:data-testid="nav-template">{t("テンプレート", "Template")}</A>
                    </Show>
                    <Show when=move || session.me.with(Option::is_some)>
                        <A href="/sheets" attr:data-testid="nav-sheets">{t("シート", "Sheets")}</A>
                        <A href="/history" attr:data-testid="nav-history">{t("履歴", "History")}</A>
                        <A href="/timeline" attr:data-testid="nav-timeline">{t("タイムライン", "Timeline")}</A>
                    </Show>
                    <Show when=move || has(&[RoleName::CrmAdmin])>
                        <A href="/linkage" attr:data-testid="nav-linkage">{t("バッチ連携", "Batch linkage")}</A>
                        <A href="/linkage/history" attr:data-testid="nav-linkage-history">{t("連携履歴", "Linkage history")}</A>
                        <A href="/linkage/records" attr:data-testid="nav-records">{t("レコード", "Records")}</A>
                        <A href="/linkage/lists" attr:data-testid="nav-lists">{t("リスト", "Lists")}</A>
                        <A href="/linkage/catalog" attr:data-testid="nav-catalog">{t("CRMの項目", "CRM fields")}</A>
                    </Show>
                    <Show when=move || has(&[RoleName::EvaluationAdmin])>
                        <A href="/organisation" attr:data-testid="nav-organisation">{t("組織設定", "Organisation")}</A>
                        <A href="/accounts" attr:data-testid="nav-accounts">{t("アカウント", "Accounts")}</A>
                    </Show>
                    <Show when=move || has(&[RoleName::EvaluationAdmin, RoleName::CrmAdmin])>
                        <A href="/audit" attr:data-testid="nav-audit">{t("監査ログ", "Audit log")}</A>
                    </Show>
                </nav>
                <div class="spacer"></div>
                <button
                    class="link"
                    data-testid="lang-switch"
                    on:click=move |_| {
                        let next = lang.get().pick(Lang::En, Lang::Ja);
                        crate::i18n::remember(next);
                        lang.set(next);
                    }
                >
                    {move || lang.get().pick("English", "日本語")}
                </button>
                <SessionBox/>
            </header>
            <Show when=move || !online.get()>
                <div class="banner offline" role="status" data-testid="offline-banner">
                    {t(
                        "オフラインです。保存済みのシートでファイルをチェックできます。アップロードは接続が戻ってから行えます。",
                        "You are offline. Files can be checked against saved sheets; uploading waits until the connection is back.",
                    )}
                </div>
            </Show>
            <main>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/setup") view=SetupPage/>
                    <Route path=path!("/account") view=AccountPage/>
                    <Route path=path!("/accounts") view=AccountsPage/>
                    <Route path=path!("/accounts/import") view=MemberImportPage/>
                    <Route path=path!("/organisation") view=OrganisationPage/>
                    <Route path=path!("/organisation/sheets/:sheet") view=SheetEditorPage/>
                    <Route path=path!("/audit") view=AuditPage/>
                    <Route path=path!("/sheets") view=SheetsPage/>
                    <Route path=path!("/sheets/:period/:sheet/:member") view=SheetPage/>
                    <Route path=path!("/template") view=TemplatePage/>
                    <Route path=path!("/history") view=HistoryPage/>
                    <Route path=path!("/history/:id") view=ImportDetailPage/>
                    <Route path=path!("/timeline") view=TimelinePage/>
                    <Route path=path!("/linkage") view=LinkagePage/>
                    <Route path=path!("/linkage/history") view=RunsPage/>
                    <Route path=path!("/linkage/lists") view=ListsPage/>
                    <Route path=path!("/linkage/catalog") view=CatalogPage/>
                    <Route path=path!("/linkage/records") view=RecordsPage/>
                    <Route path=path!("/linkage/records/:sheet") view=RecordsPage/>
                    <Route path=path!("/linkage/records/:sheet/:id") view=RecordPage/>
                    <Route path=path!("/linkage/sheets/:sheet/import") view=ManualImportPage/>
                    <Route path=path!("/linkage/import/new") view=ImportWizardPage/>
                    <Route path=path!("/linkage/import/:key") view=ImportWizardPage/>
                    <Route path=path!("/linkage/export/new") view=ExportWizardPage/>
                    <Route path=path!("/linkage/export/:key") view=ExportWizardPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// How often the app asks, while offline, whether the server is back.
const SERVER_POLL_MS: u32 = 3_000;

/// Asks the server until it answers (any answer: `network` then says
/// online, which ends this loop); a session that is still valid comes back
/// with it.
async fn wait_for_server(session: Session) {
    thread_local! {
        static WAITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if WAITING.with(|waiting| waiting.replace(true)) {
        return;
    }
    let online = network::online();
    while !online.get_untracked() {
        gloo_timers::future::TimeoutFuture::new(SERVER_POLL_MS).await;
        if online.get_untracked() {
            return;
        }
        if let Ok(me) = api::get::<Me>("/api/me").await {
            crate::components::set_time_zone(me.utc_offset_minutes);
            session.me.set(Some(me));
        }
    }
    WAITING.with(|waiting| waiting.set(false));
}

/// `/`: the import screen for importers and anyone signed out (the offline
/// checker); a CRM admin's home is batch linkage, a member's their sheets.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    // Where to send this person, if not to the import screen; a memo, so
    // that the session coming back (offline → online) does not rebuild the
    // import screen and lose the file being checked.
    let elsewhere = Memo::new(move |_| {
        session.me.with(|me| {
            let me = me.as_ref()?;
            if me.has(RoleName::EvaluationAdmin) || me.has(RoleName::Leader) {
                None
            } else if me.has(RoleName::CrmAdmin) {
                Some("/linkage")
            } else {
                Some("/sheets")
            }
        })
    });
    move || match elsewhere.get() {
        Some(to) => view! { <Redirect path=to/> }.into_any(),
        None => view! { <ImportPage/> }.into_any(),
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card" data-testid="not-found">
            <h1>{t("ページが見つかりません", "Page not found")}</h1>
            <p>
                {t("このアドレスのページはありません。", "There is no page at this address.")}
                " "
                <A href="/">{t("インポート画面へ", "Go to the import screen")}</A>
            </p>
        </section>
    }
}

#[component]
fn SessionBox() -> impl IntoView {
    let session = use_session();
    let logout = Action::new_local(move |_: &()| async move {
        // Signed out here whatever the server answers: the cookie is
        // forgotten by the browser once the server has cleared it, and an
        // unreachable server keeps no one signed in on this screen.
        let _ = api::post_empty::<serde_json::Value>("/api/logout").await;
        crate::cache::clear();
        crate::catalog::clear();
        session.me.set(None);
    });
    view! {
        {move || match session.me.get() {
            Some(me) => view! {
                <A href="/account" attr:class="who" attr:data-testid="who">{me.name}</A>
                <button class="link" data-testid="sign-out" on:click=move |_| { logout.dispatch(()); }>{t("ログアウト", "Sign out")}</button>
            }
                .into_any(),
            None => view! { <A href="/login" attr:data-testid="sign-in-link">{t("ログイン", "Sign in")}</A> }.into_any(),
        }}
    }
}
