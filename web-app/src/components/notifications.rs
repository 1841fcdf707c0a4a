//! Who is told when a batch finishes: members on the timeline, e-mail
//! addresses and — in the condition wizards — CRM 社員 records (e-mailed at
//! their address). The settings screen and both condition wizards use it.

use leptos::prelude::*;
use sheetlink_protocol::linkage::MAX_EMAILS;
use sheetlink_protocol::org::MemberView;

use super::member_picker::MemberPicker;
use crate::api;
use crate::i18n::{t, use_lang};

/// Whether `address` looks like an e-mail address (the server checks again).
pub fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(char::is_whitespace)
}

/// Members to notify (a searchable picker) and addresses to e-mail (at most
/// [`MAX_EMAILS`], each checked for form before it is added).
#[component]
pub fn Notifications(
    /// Member ids to notify on the timeline.
    members: RwSignal<Vec<String>>,
    /// Addresses to e-mail.
    emails: RwSignal<Vec<String>>,
    /// CRM 社員 record ids to notify (the condition wizards; the settings
    /// have none).
    #[prop(optional)]
    staff: Option<RwSignal<Vec<String>>>,
) -> impl IntoView {
    let lang = use_lang();
    // Without the member list the addresses can still be edited: a failed
    // load leaves the choice empty rather than the form unusable.
    let everyone = LocalResource::new(|| api::get::<Vec<MemberView>>("/api/linkage/members"));
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |()| {
        let address = typed.get_untracked().trim().to_owned();
        let lang = lang.get_untracked();
        if !plausible_email(&address) {
            problem.set(Some(lang.pick(
                format!("「{address}」はメールアドレスの形式ではありません。"),
                format!("“{address}” is not an e-mail address."),
            )));
        } else if emails.with_untracked(Vec::len) >= MAX_EMAILS {
            problem.set(Some(lang.pick(
                format!("通知先は{MAX_EMAILS}件までです。"),
                format!("At most {MAX_EMAILS} addresses."),
            )));
        } else {
            emails.update(|list| {
                if !list.contains(&address) {
                    list.push(address);
                }
            });
            typed.set(String::new());
            problem.set(None);
        }
    };
    view! {
        <MemberPicker
            members=Signal::derive(move || everyone.get().and_then(Result::ok).unwrap_or_default())
            chosen=members
            label=("完了後の通知先（社員・タイムライン）", "Members to notify (timeline)")
            testid="notify-members"
        />
        {staff.map(|chosen| view! { <StaffPicker chosen=chosen/> })}
        <label>{t("通知先メールアドレス（20件まで）", "E-mail addresses (up to 20)")}
            <div class="row">
                // A refused address stays in the box, marked, until it is
                // corrected; Enter adds like the button.
                <input data-testid="notify-email" type="email"
                    aria-invalid=move || problem.with(Option::is_some).then_some("true")
                    aria-describedby="notify-problem"
                    prop:value=typed
                    on:input=move |ev| { typed.set(event_target_value(&ev)); problem.set(None); }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); add(()); }/>
                <button data-testid="notify-add" on:click=move |_| add(())>{t("追加", "Add")}</button>
            </div>
        </label>
        {move || problem.get().map(|p| view! { <p class="error" role="alert" id="notify-problem" data-testid="notify-problem">{p}</p> })}
        <ul data-testid="notify-emails">
            {move || emails.get().into_iter().map(|e| {
                let remove = e.clone();
                view! { <li>{e}" "<button class="link" on:click=move |_| emails.update(|list| list.retain(|x| *x != remove))>{t("削除", "Remove")}</button></li> }
            }).collect_view()}
        </ul>
    }
}

/// The 社員 sheet's records to notify, searched by name on the server as
/// one types (the sheet may hold thousands); the names of those already
/// chosen are read once.
#[component]
fn StaffPicker(chosen: RwSignal<Vec<String>>) -> impl IntoView {
    use sheetlink_protocol::records::{RecordDetail, RecordPage, RecordQuery};
    const SHEET: &str = "/api/linkage/sheets/employee/records";
    // Every record seen so far, by id and name: the picker narrows them.
    let known = RwSignal::new(Vec::<MemberView>::new());
    let learn = move |found: Vec<MemberView>| {
        known.update(|all| {
            for record in found {
                if !all.iter().any(|m| m.id == record.id) {
                    all.push(record);
                }
            }
        });
    };
    for id in chosen.get_untracked() {
        leptos::task::spawn_local(async move {
            if let Ok(detail) = api::get::<RecordDetail>(&format!("{SHEET}/{id}")).await {
                learn(vec![MemberView {
                    id: detail.record.id,
                    name: detail.record.title,
                }]);
            }
        });
    }
    let search = Callback::new(move |typed: String| {
        let typed = typed.trim().to_owned();
        leptos::task::spawn_local(async move {
            let query = RecordQuery {
                filter: (!typed.is_empty()).then(|| sheetlink_engine::linkage::Filter::Compare {
                    field: "name".into(),
                    comparison: sheetlink_engine::linkage::Comparison::Contains,
                    value: typed,
                }),
                ..RecordQuery::default()
            };
            if let Ok(page) = api::post::<_, RecordPage>(SHEET, &query).await {
                learn(
                    page.rows
                        .into_iter()
                        .map(|row| MemberView {
                            id: row.id,
                            name: row.title,
                        })
                        .collect(),
                );
            }
        });
    });
    search.run(String::new());
    view! {
        <MemberPicker
            members=known
            chosen=chosen
            label=("完了後の通知先（CRMの社員・メール）", "CRM staff to notify (e-mail)")
            testid="notify-staff"
            on_query=search
        />
        <p class="muted">{t(
            "社員レコードのメールアドレスに送ります。同じメールアドレスか社員番号のメンバーには、タイムラインにも通知します。",
            "Each is e-mailed at the address on their 社員 record, and told on the timeline too when a member has that address or employee number.",
        )}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::plausible_email;

    #[test]
    fn tells_an_address_from_a_typo() {
        for good in ["a@example.com", "山田@例え.jp", "x.y+z@mail.example.co.jp"] {
            assert!(plausible_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "@example.com",
            "a@example",
            "a@.com",
            "a@example.",
            "a b@example.com",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
