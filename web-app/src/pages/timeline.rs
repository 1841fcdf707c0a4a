//! The timeline of completion posts.

use leptos::prelude::*;
use sheetlink_protocol::linkage::TimelinePost as Post;

use crate::api;
use crate::components::{Loader, ZoneNote, when};
use crate::i18n::t;
use crate::session::SignedIn;

/// `/timeline`.
#[component]
pub fn TimelinePage() -> impl IntoView {
    view! { <SignedIn><Timeline/></SignedIn> }
}

#[component]
fn Timeline() -> impl IntoView {
    let posts = LocalResource::new(|| api::get::<Vec<Post>>("/api/timeline"));
    view! {
        <section class="card">
            <h1>{t("タイムライン", "Timeline")}</h1>
            <Loader>
                {move || Suspend::new(async move {
                    posts.await.map(|posts| if posts.is_empty() {
                        view! {
                            <p class="muted" data-testid="timeline-empty">{t(
                                "投稿はまだありません。バッチ連携の実行が終わると、ここに結果が投稿されます。",
                                "No posts yet. When a batch run ends, its result is posted here.",
                            )}</p>
                        }.into_any()
                    } else {
                        view! {
                            <ZoneNote/>
                            <ul class="timeline" data-testid="timeline">
                                {posts.into_iter().map(|p| view! { <li data-id=p.id.clone()><time>{when(p.at)}</time><pre>{p.text}</pre></li> }).collect_view()}
                            </ul>
                        }.into_any()
                    })
                })}
            </Loader>
        </section>
    }
}
