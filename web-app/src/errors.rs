//! The error table: filters by item and evaluatee, and renders only the rows
//! in view, so thousands of errors scroll as smoothly as ten. Rows have one
//! fixed height; the one row opened shows its whole message in a fixed
//! extra height (scrolling inside it if longer), so the window stays
//! arithmetic.

use leptos::prelude::*;

use crate::i18n::{Lang, t, use_lang};
use crate::validation::ErrorLine;

/// Height of one table row in pixels (fixed, so the window is arithmetic).
const ROW_HEIGHT: f64 = 30.0;
/// Height of the scrolling area.
const VIEW_HEIGHT: f64 = 420.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;
/// The extra height of the opened row.
const OPEN_EXTRA: f64 = 120.0;

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

/// The first and one-past-last row to render for a scroll position, with
/// the row at position `open` (if any) taller by [`OPEN_EXTRA`].
pub fn window(scroll_top: f64, rows: usize, open: Option<usize>) -> (usize, usize) {
    let top = match open {
        Some(open) if scroll_top > (open as f64 + 1.0) * ROW_HEIGHT => scroll_top - OPEN_EXTRA,
        _ => scroll_top,
    };
    let first = (top / ROW_HEIGHT).floor().max(0.0) as usize;
    let visible = (VIEW_HEIGHT / ROW_HEIGHT).ceil() as usize;
    let start = first.saturating_sub(OVERSCAN).min(rows);
    let end = (first + visible + OVERSCAN).min(rows);
    (start, end)
}

/// The space above and below the rendered rows `start..end` of `rows`.
pub fn padding(start: usize, end: usize, rows: usize, open: Option<usize>) -> (f64, f64) {
    let extra_before = if open.is_some_and(|open| open < start) {
        OPEN_EXTRA
    } else {
        0.0
    };
    let extra_after = if open.is_some_and(|open| open >= end && open < rows) {
        OPEN_EXTRA
    } else {
        0.0
    };
    (
        start as f64 * ROW_HEIGHT + extra_before,
        (rows - end) as f64 * ROW_HEIGHT + extra_after,
    )
}

/// The cell as Excel names it (`C6`), or the row alone (`6行目`) for a
/// row-wide error, or nothing for one of the whole file.
pub fn cell_reference(lang: Lang, line: &ErrorLine) -> String {
    match (line.row, line.column) {
        (0, _) => String::new(),
        (row, 0) => lang.pick(format!("{row}行目"), format!("row {row}")),
        (row, _) => format!("{}{row}", line.letter),
    }
}

/// An item as a screen shows it: `業績評価 > 総合点` (the engine gives the
/// template's `【業績評価>総合点】`).
pub fn item_caption(item: &str) -> String {
    item.trim_start_matches('【')
        .trim_end_matches('】')
        .split('>')
        .collect::<Vec<_>>()
        .join(" > ")
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
    // The position (in `shown`) of the row opened to its whole message.
    let open = RwSignal::new(None::<usize>);
    let range = move || window(scroll_top.get(), shown.with(Vec::len), open.get());
    let visible = move || {
        let (start, end) = range();
        shown.with(|shown| {
            errors.with(|errors| {
                (start..end)
                    .map(|at| (at, shown[at], errors[shown[at]].clone()))
                    .collect::<Vec<_>>()
            })
        })
    };
    let spacing = move || {
        let (start, end) = range();
        padding(start, end, shown.with(Vec::len), open.get())
    };
    let reset = move || {
        scroll_top.set(0.0);
        open.set(None);
    };

    view! {
        <div class="row filters">
            <label>
                {t("項目", "Item")}
                <select data-testid="filter-item" on:change=move |ev| { item.set(event_target_value(&ev)); reset(); }>
                    <option value="">{t("すべて", "All")}</option>
                    <For each=move || items.get() key=|i| i.clone() let:i>
                        <option value=i.clone()>{item_caption(&i)}</option>
                    </For>
                </select>
            </label>
            <label>
                {t("被評価者", "Evaluatee")}
                <input
                    data-testid="filter-key"
                    type="search"
                    placeholder=t("従業員番号・メール", "Employee number or e-mail")
                    on:input=move |ev| { key.set(event_target_value(&ev)); reset(); }
                />
            </label>
            <span class="muted" data-testid="error-count" aria-live="polite">
                {move || {
                    let (shown, total) = (shown.with(Vec::len), errors.with(Vec::len));
                    lang.get().pick(
                        format!("エラー {shown}件を表示（全{total}件）"),
                        format!("Showing {shown} of {total} errors"),
                    )
                }}
            </span>
        </div>
        <p class="muted">{t("内容を押すと、メッセージ全体を表示します。", "Press a message to see all of it.")}</p>
        <div
            class="error-table"
            role="table"
            aria-label=t("エラー一覧", "Errors")
            // As tall as its rows, up to VIEW_HEIGHT.
            style=move || {
                let rows = shown.with(Vec::len) as f64 + 1.0;
                let extra = if open.get().is_some() { OPEN_EXTRA } else { 0.0 };
                format!("height: {}px", (rows * ROW_HEIGHT + extra + 2.0).min(VIEW_HEIGHT))
            }
            tabindex="0"
            on:scroll=move |ev| {
                let element: web_sys::Element = event_target(&ev);
                scroll_top.set(f64::from(element.scroll_top()));
            }
        >
            <div class="error-row head" role="row">
                <span role="columnheader">{t("セル", "Cell")}</span>
                <span role="columnheader">{t("項目", "Item")}</span>
                <span role="columnheader">{t("被評価者", "Evaluatee")}</span>
                <span role="columnheader">{t("内容", "Message")}</span>
            </div>
            <div style=move || { let (before, after) = spacing(); format!("padding-top: {before}px; padding-bottom: {after}px") }>
                <For each=visible key=|(at, index, _)| (*at, *index) let:line>
                    {
                        let (at, _, e) = line;
                        let opened = move || open.get() == Some(at);
                        let cell = cell_reference(lang.get_untracked(), &e);
                        view! {
                            <div
                                class=move || if opened() { "error-row open" } else { "error-row" }
                                role="row"
                                data-testid="error-row"
                                data-row=e.row
                                data-column=e.column
                            >
                                <span role="cell" class="cell-ref">{cell}</span>
                                <span role="cell">{item_caption(&e.item)}</span>
                                <span role="cell">{e.key}</span>
                                <span role="cell" class="message">
                                    <button
                                        class="message-button"
                                        aria-expanded=move || opened().to_string()
                                        on:click=move |_| open.update(|o| *o = if *o == Some(at) { None } else { Some(at) })
                                    >
                                        {(!e.item.is_empty()).then(|| view! { <span class="item-inline">{format!("{}: ", item_caption(&e.item))}</span> })}
                                        {e.message}
                                    </button>
                                </span>
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
        assert_eq!(window(0.0, 5, None), (0, 5));
        let (start, end) = window(30.0 * 1000.0, 50_000, None);
        assert_eq!(start, 990);
        assert!(end - start < 50, "{start}..{end}");
        assert_eq!(window(1e9, 100, None), (100, 100));
    }

    #[test]
    fn an_opened_row_shifts_the_rows_after_it() {
        // Opened above the view: the view starts OPEN_EXTRA later.
        let (start, _) = window(30.0 * 1000.0 + OPEN_EXTRA, 50_000, Some(10));
        assert_eq!(start, 990);
        // Opened below: nothing moves.
        assert_eq!(window(30.0 * 1000.0, 50_000, Some(20_000)).0, 990);
        // The padding keeps the whole height: rows × ROW_HEIGHT + OPEN_EXTRA.
        for open in [5, 995, 40_000] {
            let (start, end) = window(30.0 * 1000.0, 50_000, Some(open));
            let (before, after) = padding(start, end, 50_000, Some(open));
            let rendered = (end - start) as f64 * ROW_HEIGHT
                + if (start..end).contains(&open) {
                    OPEN_EXTRA
                } else {
                    0.0
                };
            assert_eq!(
                before + rendered + after,
                50_000.0 * ROW_HEIGHT + OPEN_EXTRA,
                "{open}"
            );
        }
    }

    #[test]
    fn cells_and_items_read_as_people_write_them() {
        let mut e = line("【業績評価>未設定>総合点】", "E0001");
        assert_eq!(cell_reference(Lang::Ja, &e), "C5");
        e.column = 0;
        assert_eq!(cell_reference(Lang::Ja, &e), "5行目");
        assert_eq!(cell_reference(Lang::En, &e), "row 5");
        e.row = 0;
        assert_eq!(cell_reference(Lang::Ja, &e), "");
        assert_eq!(
            item_caption("【業績評価>未設定>総合点】"),
            "業績評価 > 未設定 > 総合点"
        );
        assert_eq!(item_caption(""), "");
    }
}
