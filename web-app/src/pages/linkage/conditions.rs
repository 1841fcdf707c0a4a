//! Items (10)–(15): the import and export conditions, each with its edit
//! link, its `.sh` / `.bat` scripts and delete.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use sheetlink_protocol::linkage::{StoredExportCondition, StoredImportCondition};

use crate::api::{self, ApiError, segment};
use crate::components::{Answer, ConditionKind, Confirm, Loader, Said, TableBox};
use crate::i18n::{t, use_lang};

/// What a list row shows of a condition.
#[derive(Debug, Clone)]
struct Listed {
    key: String,
    sheet: String,
    description: String,
}

impl Listed {
    fn of(key: String, sheet: String, description: String) -> Self {
        Listed {
            key,
            sheet,
            description,
        }
    }
}

/// The conditions of `kind`, as their list rows.
async fn listed<T: serde::de::DeserializeOwned>(
    kind: ConditionKind,
    row: fn(T) -> Listed,
) -> Result<Vec<Listed>, ApiError> {
    Ok(api::get::<Vec<T>>(kind.collection())
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// Both lists.
#[component]
pub fn ConditionLists() -> impl IntoView {
    let imports = LocalResource::new(|| {
        listed(ConditionKind::Import, |c: StoredImportCondition| {
            Listed::of(c.condition.key, c.condition.sheet, c.condition.description)
        })
    });
    let exports = LocalResource::new(|| {
        listed(ConditionKind::Export, |c: StoredExportCondition| {
            Listed::of(c.condition.key, c.condition.sheet, c.condition.description)
        })
    });
    let delete = Action::new_local(move |(kind, key): &(ConditionKind, String)| {
        let (kind, path) = (*kind, format!("{}/{}", kind.collection(), segment(key)));
        async move {
            api::delete(&path).await?;
            match kind {
                ConditionKind::Import => imports.refetch(),
                ConditionKind::Export => exports.refetch(),
            }
            Ok::<_, ApiError>(())
        }
    });
    // Which condition's deletion is being asked, in its row.
    let asking = RwSignal::new(None::<(ConditionKind, String)>);
    let ask = Callback::new(move |asked: (ConditionKind, String)| {
        if asking.get_untracked().as_ref() == Some(&asked) {
            asking.set(None);
            delete.dispatch(asked);
        } else {
            asking.set(Some(asked));
        }
    });
    let failed =
        Signal::derive(move || delete.value().get().and_then(Result::err).map(Said::Failed));
    // Back from a wizard: say what was saved.
    let query = use_query_map();
    let saved = Signal::derive(move || {
        query.with(|q| q.get("saved")).map(|key| {
            Said::Done(
                format!("条件「{key}」を登録しました。"),
                format!("The condition “{key}” is saved."),
            )
        })
    });
    view! {
        <section class="card">
            <Answer said=saved testid="saved-answer"/>
            <Answer said=failed testid="delete-answer"/>
            <h2>{t("インポート条件", "Import conditions")}</h2>
            <A href="/linkage/import/new" attr:data-testid="new-import-condition">{t("インポート条件設定登録", "New import condition")}</A>
            <ConditionTable kind=ConditionKind::Import list=imports ask=ask asking=asking/>
            <h2>{t("エクスポート条件", "Export conditions")}</h2>
            <A href="/linkage/export/new" attr:data-testid="new-export-condition">{t("エクスポート条件設定登録", "New export condition")}</A>
            <ConditionTable kind=ConditionKind::Export list=exports ask=ask asking=asking/>
        </section>
    }
}

/// One list: key (edit link), sheet, description, the scripts (12) and
/// delete (13).
#[component]
fn ConditionTable(
    kind: ConditionKind,
    list: LocalResource<Result<Vec<Listed>, ApiError>>,
    ask: Callback<(ConditionKind, String)>,
    asking: RwSignal<Option<(ConditionKind, String)>>,
) -> impl IntoView {
    let testid = match kind {
        ConditionKind::Import => "import-conditions",
        ConditionKind::Export => "export-conditions",
    };
    let key_caption = match kind {
        ConditionKind::Import => t("インポートキー", "Import key"),
        ConditionKind::Export => t("エクスポートキー", "Export key"),
    };
    view! {
        <Loader>
            {move || Suspend::new(async move {
                list.await.map(|rows| view! {
                    <TableBox label=key_caption>
                    <table data-testid=testid>
                        <thead><tr><th>{key_caption}</th><th>{t("シート", "Sheet")}</th><th>{t("説明", "Description")}</th><th>{t("スクリプト", "Scripts")}</th><th><span class="visually-hidden">{t("削除", "Delete")}</span></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| condition_row(kind, row, ask, asking)).collect_view()}
                        </tbody>
                    </table>
                    </TableBox>
                })
            })}
        </Loader>
    }
}

fn condition_row(
    kind: ConditionKind,
    row: Listed,
    ask: Callback<(ConditionKind, String)>,
    asking: RwSignal<Option<(ConditionKind, String)>>,
) -> impl IntoView {
    let lang = use_lang();
    let path = segment(&row.key);
    let edit_href = format!("/linkage/{}/{path}", kind.name());
    let script = |os: &str| format!("{}/{path}/script?os={os}", kind.collection());
    let (linux, windows) = (script("linux"), script("windows"));
    let (key, label, asked) = (row.key.clone(), row.key.clone(), row.key);
    view! {
        <tr data-key=key>
            <td><A href=edit_href>{label}</A></td>
            <td>{sheet_name(&row.sheet)}</td>
            <td>{row.description}</td>
            <td class="nowrap"><a href=linux download="">{t("Linux用", "Linux")}</a>" ・ "<a href=windows download="">{t("Windows用", "Windows")}</a></td>
            <td>
                {move || {
                    let this = (kind, asked.clone());
                    if asking.get().as_ref() == Some(&this) {
                        let key = asked.clone();
                        let question = Signal::derive(move || lang.get().pick(
                            format!("条件「{key}」を削除します。このキーで登録したスクリプトは動かなくなります。"),
                            format!("The condition “{key}” will be deleted; scripts scheduled with this key stop working."),
                        ));
                        view! {
                            <Confirm question=question yes=("削除する", "Delete") on_yes=Callback::new(move |()| ask.run(this.clone())) on_no=Callback::new(move |()| asking.set(None)) testid="confirm-delete"/>
                        }.into_any()
                    } else {
                        view! {
                            <button class="link delete" data-testid="delete-condition" on:click=move |_| ask.run(this.clone())>{t("削除", "Delete")}</button>
                        }.into_any()
                    }
                }}
            </td>
        </tr>
    }
}

/// The CRM sheet's name (顧客) for its id (`customer`).
fn sheet_name(id: &str) -> String {
    crate::catalog::known()
        .sheet(id)
        .map_or_else(|| id.to_owned(), |sheet| sheet.name.clone())
}
