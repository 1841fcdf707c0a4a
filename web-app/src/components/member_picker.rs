//! Choosing people from a long list: a combobox with type-ahead (ARIA 1.2
//! pattern: an input, a listbox of the matches, arrow keys and Enter), and
//! the chosen shown as removable chips. Never a 200-row native list box.

use leptos::prelude::*;
use sheetlink_protocol::org::MemberView;

use crate::i18n::{t, use_lang};

/// Matches shown at once; typing narrows further.
pub const SHOWN: usize = 8;

/// The members matching `query` (in name or id, case-insensitive), not yet
/// chosen, at most `limit`.
pub fn matches<'m>(
    members: &'m [MemberView],
    query: &str,
    chosen: &[String],
    limit: usize,
) -> Vec<&'m MemberView> {
    let query = query.trim().to_lowercase();
    members
        .iter()
        .filter(|m| !chosen.contains(&m.id))
        .filter(|m| {
            query.is_empty()
                || m.name.to_lowercase().contains(&query)
                || m.id.to_lowercase().contains(&query)
        })
        .take(limit)
        .collect()
}

/// Picks members into `chosen` (their ids).
#[component]
pub fn MemberPicker(
    /// Everyone who may be picked.
    #[prop(into)]
    members: Signal<Vec<MemberView>>,
    /// The ids picked.
    chosen: RwSignal<Vec<String>>,
    /// The visible label (Japanese, English).
    label: (&'static str, &'static str),
    /// Test id of the input; the listbox is `{testid}-options`, the chips
    /// `{testid}-chosen`.
    testid: &'static str,
    /// Told what is typed, for a picker whose `members` the server finds.
    #[prop(optional)]
    on_query: Option<Callback<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let listbox_id = format!("{testid}-listbox");
    let found = Memo::new(move |_| {
        members.with(|all| {
            chosen.with(|chosen| {
                matches(all, &query.get(), chosen, SHOWN)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let pick = move |id: String| {
        chosen.update(|list| {
            if !list.contains(&id) {
                list.push(id);
            }
        });
        query.set(String::new());
        active.set(0);
    };
    let name_of = move |id: &str| {
        members.with(|all| {
            all.iter()
                .find(|m| m.id == id)
                .map_or_else(|| id.to_owned(), |m| m.name.clone())
        })
    };
    let option_id = move |index: usize| format!("{testid}-option-{index}");
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = found.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                if count > 0 {
                    active.update(|a| *a = (*a + 1).min(count - 1));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(member) = found.with(|f| f.get(active.get_untracked()).cloned()) {
                    pick(member.id);
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let listbox_for_input = listbox_id.clone();
    view! {
        <div class="picker">
            <label>
                {t(label.0, label.1)}
                <input
                    type="text"
                    role="combobox"
                    autocomplete="off"
                    data-testid=testid
                    aria-autocomplete="list"
                    aria-controls=listbox_for_input
                    aria-expanded=move || (open.get() && !found.with(Vec::is_empty)).to_string()
                    aria-activedescendant=move || (open.get() && !found.with(Vec::is_empty)).then(|| option_id(active.get()))
                    placeholder=t("名前または社員IDで検索", "Search by name or id")
                    prop:value=query
                    on:input=move |ev| {
                        let typed = event_target_value(&ev);
                        if let Some(told) = on_query {
                            told.run(typed.clone());
                        }
                        query.set(typed);
                        active.set(0);
                        open.set(true);
                    }
                    on:focus=move |_| open.set(true)
                    on:blur=move |_| open.set(false)
                    on:keydown=on_key
                />
            </label>
            <ul
                id=listbox_id
                role="listbox"
                class="picker-options"
                data-testid=format!("{testid}-options")
                aria-label=t(label.0, label.1)
                hidden=move || !open.get() || found.with(Vec::is_empty)
            >
                {move || found.get().into_iter().enumerate().map(|(index, member)| {
                    let id = member.id.clone();
                    view! {
                        <li
                            role="option"
                            id=option_id(index)
                            data-id=member.id.clone()
                            aria-selected=move || (active.get() == index).to_string()
                            class=move || if active.get() == index { "active" } else { "" }
                            // Before the input's blur closes the list.
                            on:mousedown=move |ev| { ev.prevent_default(); pick(id.clone()); }
                        >
                            {member.name.clone()}
                            <span class="muted">" " {member.id.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ul class="chips" data-testid=format!("{testid}-chosen") aria-label=move || lang.get().pick("選んだ社員", "Chosen members")>
                {move || chosen.get().into_iter().map(|id| {
                    let name = name_of(&id);
                    let remove = id.clone();
                    let label = name.clone();
                    view! {
                        <li data-id=id>
                            {name}
                            <button
                                class="link"
                                aria-label=move || lang.get().pick(format!("{label}を外す"), format!("Remove {label}"))
                                on:click=move |_| chosen.update(|list| list.retain(|x| *x != remove))
                            >"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: &str) -> MemberView {
        MemberView {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn finds_by_name_or_id_and_leaves_out_the_chosen() {
        let all = [
            member("e0001", "佐藤 花子"),
            member("e0002", "鈴木 太郎"),
            member("E0102", "佐藤 一郎"),
        ];
        let ids = |found: Vec<&MemberView>| found.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(matches(&all, "佐藤", &[], 8)), ["e0001", "E0102"]);
        assert_eq!(ids(matches(&all, " e01 ", &[], 8)), ["E0102"]);
        assert_eq!(ids(matches(&all, "佐藤", &["e0001".into()], 8)), ["E0102"]);
        assert_eq!(ids(matches(&all, "", &[], 2)), ["e0001", "e0002"]);
        assert!(matches(&all, "田中", &[], 8).is_empty());
    }
}
