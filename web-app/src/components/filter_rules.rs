//! A search condition as the export wizard and the records screen edit it:
//! a flat list of comparisons joined by "all" or "any", turned into the
//! engine's [`Filter`] and back.

use leptos::prelude::*;
use sheetlink_engine::linkage::{Comparison, Filter};

use crate::components::TableBox;
use crate::i18n::{t, use_lang};

/// One comparison of the search-condition builder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    field: String,
    comparison: Comparison,
    value: String,
}

const COMPARISONS: [(Comparison, &str, &str, &str); 6] = [
    (Comparison::Equals, "equals", "と等しい", "equals"),
    (Comparison::Contains, "contains", "を含む", "contains"),
    (
        Comparison::Before,
        "before",
        "より前（小さい）",
        "before / less than",
    ),
    (
        Comparison::After,
        "after",
        "より後（大きい）",
        "after / greater than",
    ),
    (Comparison::Empty, "empty", "が空", "is empty"),
    (
        Comparison::NotEmpty,
        "not_empty",
        "が空でない",
        "is not empty",
    ),
];

/// The engine's filter for `rules` (`None` when there are none).
pub fn filter_of(rules: &[Rule], any: bool) -> Option<Filter> {
    let compares: Vec<Filter> = rules
        .iter()
        .map(|r| Filter::Compare {
            field: r.field.clone(),
            comparison: r.comparison,
            value: r.value.clone(),
        })
        .collect();
    match compares.len() {
        0 => None,
        _ if any => Some(Filter::Any(compares)),
        _ => Some(Filter::All(compares)),
    }
}

/// The rules of a stored filter and whether it matches any of them. Nested
/// groups (possible through the API) cannot be shown flat and are left out:
/// saving from the wizard drops them.
pub fn rules_of(filter: Option<&Filter>) -> (Vec<Rule>, bool) {
    let (list, any) = match filter {
        None => return (Vec::new(), false),
        Some(Filter::All(list)) => (list.as_slice(), false),
        Some(Filter::Any(list)) => (list.as_slice(), true),
        Some(single) => (std::slice::from_ref(single), false),
    };
    let rules = list
        .iter()
        .filter_map(|f| match f {
            Filter::Compare {
                field,
                comparison,
                value,
            } => Some(Rule {
                field: field.clone(),
                comparison: *comparison,
                value: value.clone(),
            }),
            _ => None,
        })
        .collect();
    (rules, any)
}

/// `<option>`s of `fields` (`(id, label)`), `selected` chosen.
pub fn field_options(fields: &[(String, String)], selected: &str) -> impl IntoView + use<> {
    fields
        .iter()
        .map(|(id, label)| view! { <option value=id.clone() selected=id == selected>{label.clone()}</option> })
        .collect_view()
}

/// The comparisons, with "match any" and "Add a condition".
#[component]
pub fn FilterRules(
    /// The comparisons.
    rules: RwSignal<Vec<Rule>>,
    /// Whether one match is enough (otherwise all must match).
    any: RwSignal<bool>,
    /// The sheet's fields, as `(id, label)`.
    fields: Signal<Vec<(String, String)>>,
    /// What having no comparison means here (Japanese, English).
    when_empty: (&'static str, &'static str),
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <h2>{t("条件指定", "Search condition")}</h2>
        <label class="inline"><input type="checkbox" data-testid="filter-any" prop:checked=any on:change=move |ev| any.set(event_target_checked(&ev))/>{t("いずれかに一致（オフ: すべてに一致）", "Match any (off: match all)")}</label>
        <Show
            when=move || !rules.with(Vec::is_empty)
            fallback=move || view! {
                <p class="muted" data-testid="no-rules">{t(when_empty.0, when_empty.1)}</p>
            }
        >
        <TableBox label=t("条件指定", "Search condition")>
            <table data-testid="filter-rules">
                <thead><tr><th>{t("項目", "Field")}</th><th>{t("比較", "Comparison")}</th><th>{t("値", "Value")}</th><th><span class="visually-hidden">{t("削除", "Remove")}</span></th></tr></thead>
                <tbody>
                {move || rules.get().into_iter().enumerate().map(|(i, r)| view! {
                    <tr>
                        <td><select data-testid="rule-field" aria-label=move || lang.get().pick(format!("条件{}の項目", i + 1), format!("Field of condition {}", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); rules.update(|r| r[i].field = v); }>{field_options(&fields.get(), &r.field)}</select></td>
                        <td><select data-testid="rule-comparison" aria-label=move || lang.get().pick(format!("条件{}の比較", i + 1), format!("Comparison of condition {}", i + 1)) on:change=move |ev| { let v = event_target_value(&ev); if let Some((c, ..)) = COMPARISONS.iter().find(|(_, id, ..)| *id == v) { let c = *c; rules.update(|r| r[i].comparison = c); } }>
                            {COMPARISONS.iter().map(|(c, id, ja, en)| { let selected = *c == r.comparison; view! { <option value=*id selected=selected>{t(ja, en)}</option> } }).collect_view()}
                        </select></td>
                        <td><input class="rule-value" data-testid="rule-value" aria-label=move || lang.get().pick(format!("条件{}の値", i + 1), format!("Value of condition {}", i + 1)) prop:value=r.value.clone() on:input=move |ev| { let v = event_target_value(&ev); rules.update(|r| r[i].value = v); }/></td>
                        <td><button class="link" aria-label=move || lang.get().pick(format!("条件{}を削除", i + 1), format!("Remove condition {}", i + 1)) on:click=move |_| rules.update(|r| { r.remove(i); })>{t("削除", "Remove")}</button></td>
                    </tr>
                }).collect_view()}
                </tbody>
            </table>
            </TableBox>
            </Show>
        <button data-testid="add-rule" on:click=move |_| rules.update(|r| r.push(Rule { field: "name".into(), comparison: Comparison::Contains, value: String::new() }))>{t("条件を追加", "Add a condition")}</button>
    }
}

#[cfg(test)]
mod tests {
    use sheetlink_engine::linkage::{Comparison, Filter};

    use super::{filter_of, rules_of};

    fn compare(field: &str, value: &str) -> Filter {
        Filter::Compare {
            field: field.into(),
            comparison: Comparison::Equals,
            value: value.into(),
        }
    }

    #[test]
    fn a_flat_filter_reads_back_as_it_was_stored() {
        for stored in [
            Filter::All(vec![compare("rank", "A"), compare("name", "x")]),
            Filter::Any(vec![compare("rank", "A"), compare("rank", "B")]),
        ] {
            let (rules, any) = rules_of(Some(&stored));
            assert_eq!(filter_of(&rules, any), Some(stored));
        }
        // One comparison alone is stored as a group of one.
        let (rules, any) = rules_of(Some(&compare("rank", "A")));
        assert_eq!(
            filter_of(&rules, any),
            Some(Filter::All(vec![compare("rank", "A")]))
        );
        assert_eq!(rules_of(None), (Vec::new(), false));
        assert_eq!(filter_of(&[], true), None);
    }

    #[test]
    fn nested_groups_are_left_out_as_documented() {
        let stored = Filter::All(vec![
            compare("rank", "A"),
            Filter::Any(vec![compare("name", "x")]),
        ]);
        let (rules, any) = rules_of(Some(&stored));
        assert_eq!(
            filter_of(&rules, any),
            Some(Filter::All(vec![compare("rank", "A")]))
        );
    }
}
