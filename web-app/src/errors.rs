//! The error table: filters by item and evaluatee, and renders only the rows
//! in view, so thousands of errors scroll as smoothly as ten.

use leptos::prelude::*;

use crate::i18n::{t, use_lang};
use crate::validation::ErrorLine;

/// Height of one table row in pixels (fixed, so the window is arithmetic).
const ROW_HEIGHT: f64 = 30.0;
/// Height of the scrolling area.
const VIEW_HEIGHT: f64 = 420.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;

/// Which of `errors` pass the filters: `item` exactly (empty: any) and `key`
/// as a substring of the evaluatee key (empty: any).
pub fn filter(errors: &[ErrorLine], item: &str, key: &str) -> Vec<usize> {
    let key = key.trim();
    errors
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            (item.is_empty() || e.item == item) && (key.is_empty() || e.key.contains(key))
        })
        .map(|(index, _)| index)
        .collect()
}

/// The first and one-past-last row to render for a scroll position.
pub fn window(scroll_top: f64, rows: usize) -> (usize, usize) {
    let first = (scroll_top / ROW_HEIGHT).floor().max(0.0) as usize;
    let visible = (VIEW_HEIGHT / ROW_HEIGHT).ceil() as usize;
    let start = first.saturating_sub(OVERSCAN).min(rows);
    let end = (first + visible + OVERSCAN).min(rows);
    (start, end)
}

/// The table of `errors`.
#[component]
pub fn ErrorTable(
    /// The errors, in file order.
    errors: RwSignal<Vec<ErrorLine>>,
) -> impl IntoView {
    let lang = use_lang();
    let item = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let scroll_top = RwSignal::new(0.0);
    let items = Memo::new(move |_| {
        let mut items: Vec<String> = errors.with(|errors| {
            errors
                .iter()
                .map(|e| e.item.clone())
                .filter(|i| !i.is_empty())
                .collect()
        });
        items.sort();
        items.dedup();
        items
    });
    let shown = Memo::new(move |_| errors.with(|errors| filter(errors, &item.get(), &key.get())));
    let visible = move || {
        let (start, end) = window(scroll_top.get(), shown.with(Vec::len));
        shown.with(|shown| {
            errors.with(|errors| {
                shown[start..end]
                    .iter()
                    .map(|&index| (index, errors[index].clone()))
                    .collect::<Vec<_>>()
            })
        })
    };
    let padding = move || {
        let (start, end) = window(scroll_top.get(), shown.with(Vec::len));
        let after = shown.with(Vec::len) - end;
        (start as f64 * ROW_HEIGHT, after as f64 * ROW_HEIGHT)
    };

    view! {
        <div class="row filters">
            <label>
                {t("項目", "Item")}
                <select data-testid="filter-item" on:change=move |ev| { item.set(event_target_value(&ev)); scroll_top.set(0.0); }>
                    <option value="">{t("すべて", "All")}</option>
                    <For each=move || items.get() key=|i| i.clone() let:i>
                        <option value=i.clone()>{i.clone()}</option>
                    </For>
                </select>
            </label>
            <label>
                {t("評価対象者", "Evaluatee")}
                <input
                    data-testid="filter-key"
                    type="search"
                    placeholder=t("従業員番号・メール", "Employee number or e-mail")
                    on:input=move |ev| { key.set(event_target_value(&ev)); scroll_top.set(0.0); }
                />
            </label>
            <span class="muted" data-testid="error-count">
                {move || format!(
                    "{} {} / {}",
                    lang.get().pick("表示", "showing"),
                    shown.with(Vec::len),
                    errors.with(Vec::len),
                )}
            </span>
        </div>
        <div
            class="error-table"
            role="table"
            aria-label=t("エラー一覧", "Errors")
            style=format!("height: {VIEW_HEIGHT}px")
            tabindex="0"
            on:scroll=move |ev| {
                let element: web_sys::Element = event_target(&ev);
                scroll_top.set(f64::from(element.scroll_top()));
            }
        >
            <div class="error-row head" role="row">
                <span role="columnheader">{t("行", "Row")}</span>
                <span role="columnheader">{t("列", "Column")}</span>
                <span role="columnheader">{t("項目", "Item")}</span>
                <span role="columnheader">{t("評価対象者", "Evaluatee")}</span>
                <span role="columnheader">{t("内容", "Message")}</span>
            </div>
            <div style=move || { let (before, after) = padding(); format!("padding-top: {before}px; padding-bottom: {after}px") }>
                <For each=visible key=|(index, _)| *index let:line>
                    {
                        let (_, e) = line;
                        let column = if e.column > 0 { format!("{} ({})", e.letter, e.column) } else { String::new() };
                        view! {
                            <div class="error-row" role="row" data-testid="error-row" data-row=e.row data-column=e.column>
                                <span role="cell">{if e.row > 0 { e.row.to_string() } else { String::new() }}</span>
                                <span role="cell">{column}</span>
                                <span role="cell">{e.item}</span>
                                <span role="cell">{e.key}</span>
                                <span role="cell" title=e.code>{e.message}</span>
                            </div>
                        }
                    }
                </For>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(item: &str, key: &str) -> ErrorLine {
        ErrorLine {
            row: 5,
            column: 3,
            letter: "C".into(),
            item: item.into(),
            key: key.into(),
            code: "x".into(),
            message: "m".into(),
        }
    }

    #[test]
    fn filters_by_item_and_evaluatee() {
        let errors = [
            line("評価", "E0001"),
            line("コメント", "E0002"),
            line("評価", "E0102"),
        ];
        assert_eq!(filter(&errors, "", ""), vec![0, 1, 2]);
        assert_eq!(filter(&errors, "評価", ""), vec![0, 2]);
        assert_eq!(filter(&errors, "評価", "E01"), vec![2]);
        assert_eq!(filter(&errors, "", " E000 "), vec![0, 1]);
        assert!(filter(&errors, "なし", "").is_empty());
    }

    #[test]
    fn renders_only_a_window_of_rows() {
        assert_eq!(window(0.0, 5), (0, 5));
        let (start, end) = window(30.0 * 1000.0, 50_000);
        assert_eq!(start, 990);
        assert!(end - start < 50, "{start}..{end}");
        assert_eq!(window(1e9, 100), (100, 100));
    }
}
