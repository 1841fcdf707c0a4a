//! Located, bilingual problem reports.
//!
//! A [`Diagnostic`] is data: where (row and column of the file as Excel shows
//! it) and what ([`Problem`], with the values involved). Messages are rendered
//! on demand in Japanese or English, so a report of 50,000 errors costs a few
//! machine words each, not two formatted strings.
//!
//! A [`Problem`] is also how a diagnostic is kept: serialized, it is its
//! code (`{"problem": "number_above_max", …}`) and the values involved,
//! never a finished sentence, so a stored report is rendered in the reader's
//! language, in today's wording, when it is read.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::decimal::{Hundredths, MAX_INTEGER_DIGITS, NumberHint};
use crate::evaluation::layout::{HEADER_ROWS, MAX_EVALUATEES, MAX_FILE_MIB, MAX_ITEMS};
use crate::field_type::FieldType;

/// The language of a rendered message, and of every screen: one type for
/// the engine, the server, the CLI and the web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (the product's default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Its code (`ja`, `en`), as HTML's `lang` attribute and the CLI's
    /// `--lang` name it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// `ja` in Japanese, `en` in English.
    pub fn pick<T>(self, ja: T, en: T) -> T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// One problem found in an uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// 1-based row as Excel shows it: a quoted cell spanning several lines
    /// is still one row. `None` for problems with the file as a whole.
    pub row: Option<u32>,
    /// 1-based column. `None` for problems with a whole row or file.
    pub column: Option<u32>,
    /// What is wrong.
    pub problem: Problem,
}

/// Everything that can be wrong with an evaluation-sheet CSV.
///
/// Strings held here are the offending values, cut to a readable length.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The file is larger than the 30 MB limit.
    FileTooLarge {
        /// Size of the file in bytes.
        size: u64,
    },
    /// The bytes are not UTF-8.
    NotUtf8 {
        /// What the bytes look like instead, when it can be told.
        looks_like: Option<Cow<'static, str>>,
    },
    /// The file ends before row 4.
    HeaderIncomplete,
    /// A fixed header cell does not hold what the system wrote there.
    HeaderCell {
        /// The text expected, e.g. `version:1`.
        expected: String,
        /// The text found.
        found: String,
    },
    /// Row 1 names another evaluation period or sheet than the one chosen.
    WrongSheet {
        /// `period` or `sheet`.
        what: Cow<'static, str>,
        /// The id of the chosen period or sheet.
        expected: String,
        /// The id found in row 1.
        found: String,
    },
    /// Row 2 has no item columns.
    NoItems,
    /// Row 2 names an item id the sheet does not have (or that is not importable).
    UnknownItem {
        /// The id found.
        id: String,
    },
    /// Row 2 names the same item twice.
    DuplicateItem {
        /// The repeated id.
        id: String,
        /// Column of its first appearance.
        first_column: u32,
    },
    /// Row 2 has more item columns than a template may have.
    TooManyItems {
        /// Item columns found (a lower bound when the row was refused
        /// before its end).
        count: usize,
    },
    /// Row 4 names another type than the item has now.
    ItemTypeChanged {
        /// The item id.
        id: String,
        /// Type name the item has now.
        expected: Cow<'static, str>,
        /// Type name found in row 4.
        found: String,
    },
    /// A header row has a different number of columns than row 2.
    HeaderWidth {
        /// Columns in row 2.
        expected: u32,
        /// Columns in this row.
        found: u32,
    },
    /// More evaluatee rows than one import may hold.
    TooManyEvaluatees,
    /// A row has a different number of columns than row 2.
    FieldCount {
        /// Columns in row 2.
        expected: u32,
        /// Columns in this row.
        found: u32,
    },
    /// Column 2 is empty.
    KeyMissing,
    /// Column 2 names nobody this operator may import.
    KeyUnknown {
        /// The key found.
        key: String,
    },
    /// Column 2 names the same evaluatee as an earlier row.
    KeyDuplicate {
        /// The key found.
        key: String,
        /// Row of its first appearance.
        first_row: u32,
    },
    /// A number written in quotes, i.e. as text.
    NumberQuoted {
        /// The cell's text.
        value: String,
    },
    /// Not a number.
    NumberInvalid {
        /// The cell's text.
        value: String,
        /// What it looks like.
        hint: NumberHint,
    },
    /// Too many digits before the decimal point.
    NumberTooLarge {
        /// The cell's text.
        value: String,
    },
    /// Below the item's minimum (after rounding).
    NumberBelowMin {
        /// The rounded value.
        value: Hundredths,
        /// The minimum.
        min: Hundredths,
    },
    /// Above the item's maximum (after rounding).
    NumberAboveMax {
        /// The rounded value.
        value: Hundredths,
        /// The maximum.
        max: Hundredths,
    },
    /// Text longer than the item allows.
    TextTooLong {
        /// Length found, in characters.
        length: usize,
        /// Longest allowed.
        max: u32,
    },
    /// A checkbox cell that is not `1`, `0` or blank.
    CheckboxInvalid {
        /// The cell's text.
        value: String,
    },
    /// A dropdown cell that matches no option label exactly.
    DropdownUnknown {
        /// The cell's text.
        value: String,
        /// Some of the valid labels, for the message.
        options: Vec<String>,
    },
    /// A batch-linkage cell that is not a value of its field's type.
    InvalidValue {
        /// The field's type.
        field_type: FieldType,
        /// The cell's text.
        value: String,
        /// What is wrong with it.
        hint: ValueHint,
    },
    /// A matching-key cell is blank, so the record cannot be looked up.
    MatchingKeyBlank {
        /// The field's label.
        field: String,
    },
    /// Another row of the file has the same matching-key values.
    DuplicateMatchingKey {
        /// Row of the first appearance.
        first_row: u32,
    },
    /// A batch file has more data rows than one batch may hold.
    TooManyRows {
        /// The most data rows a batch file may hold.
        max: u32,
    },
    /// A mapped column (by header name) is not in the file.
    MissingColumn {
        /// The header name looked for.
        column: String,
    },
    /// The bytes are not valid in the file's encoding.
    NotDecodable {
        /// The encoding the file was read as.
        encoding: Cow<'static, str>,
    },
    /// A problem of a member file (see [`crate::members`]).
    Member(crate::members::MemberProblem),
}

/// What is wrong with a batch-linkage value, so the message can say how to
/// fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueHint {
    /// Full-width digits or `＠` where half-width ones are needed.
    FullWidth,
    /// A thousands separator in a number.
    ThousandsSeparator,
    /// Scientific notation.
    Exponent,
    /// Not a number at all, or too many digits.
    Number,
    /// Not a date.
    Date,
    /// A date that does not exist (2026/2/30).
    NoSuchDate,
    /// Not a time.
    Time,
    /// A time that does not exist (24:00, 9:60).
    NoSuchTime,
    /// Not a date and time.
    Datetime,
    /// A date without the time a date-and-time field needs.
    DatetimeNeedsTime,
    /// Not an e-mail address.
    Email,
    /// Not a telephone number.
    Phone,
    /// Not an http(s) URL.
    Link,
    /// Not a checkbox value.
    Checkbox,
}

impl Problem {
    /// A stable, machine-readable code, e.g. `number.out_of_range`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::FileTooLarge { .. } => "file.too_large",
            Problem::NotUtf8 { .. } => "file.encoding",
            Problem::HeaderIncomplete => "header.incomplete",
            Problem::HeaderCell { .. } => "header.cell",
            Problem::WrongSheet { .. } => "header.wrong_sheet",
            Problem::NoItems => "header.no_items",
            Problem::UnknownItem { .. } => "header.unknown_item",
            Problem::DuplicateItem { .. } => "header.duplicate_item",
            Problem::TooManyItems { .. } => "header.too_many_items",
            Problem::ItemTypeChanged { .. } => "header.item_type",
            Problem::HeaderWidth { .. } => "header.width",
            Problem::TooManyEvaluatees => "file.too_many_evaluatees",
            Problem::FieldCount { .. } => "row.field_count",
            Problem::KeyMissing => "evaluatee.missing",
            Problem::KeyUnknown { .. } => "evaluatee.unknown",
            Problem::KeyDuplicate { .. } => "evaluatee.duplicate",
            Problem::NumberQuoted { .. } => "number.quoted",
            Problem::NumberInvalid { .. } => "number.invalid",
            Problem::NumberTooLarge { .. } => "number.too_large",
            Problem::NumberBelowMin { .. } => "number.below_min",
            Problem::NumberAboveMax { .. } => "number.above_max",
            Problem::TextTooLong { .. } => "text.too_long",
            Problem::CheckboxInvalid { .. } => "checkbox.invalid",
            Problem::DropdownUnknown { .. } => "dropdown.unknown",
            Problem::InvalidValue { .. } => "value.invalid",
            Problem::MatchingKeyBlank { .. } => "matching_key.blank",
            Problem::DuplicateMatchingKey { .. } => "matching_key.duplicate",
            Problem::MissingColumn { .. } => "file.missing_column",
            Problem::TooManyRows { .. } => "file.too_many_rows",
            Problem::NotDecodable { .. } => "file.encoding",
            Problem::Member(problem) => problem.code(),
        }
    }

    /// What is wrong and how to fix it, in the given language.
    pub fn message(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Problem::FileTooLarge { size } => {
                let mb = *size as f64 / (1024.0 * 1024.0);
                if ja {
                    format!("ファイルサイズが{mb:.1}MBです。{MAX_FILE_MIB}MB以下に分割してアップロードしてください。")
                } else {
                    format!("The file is {mb:.1} MB; the limit is {MAX_FILE_MIB} MB. Split it into smaller files.")
                }
            }
            Problem::NotUtf8 { looks_like } => match (looks_like, ja) {
                (Some(name), true) => format!(
                    "文字コードが{name}のようです。UTF-8(BOM付き可)で保存し直してください(Excelでは「CSV UTF-8」形式)。"
                ),
                (Some(name), false) => format!(
                    "The file looks like {name}. Save it again as UTF-8 (in Excel: \"CSV UTF-8\")."
                ),
                (None, true) => "文字コードがUTF-8ではありません。UTF-8(BOM付き可)で保存し直してください(Excelでは「CSV UTF-8」形式)。".to_owned(),
                (None, false) => "The file is not UTF-8. Save it again as UTF-8 (in Excel: \"CSV UTF-8\").".to_owned(),
            },
            Problem::HeaderIncomplete => {
                if ja {
                    format!("1〜{HEADER_ROWS}行目(システム用の見出し)がそろっていません。テンプレートをダウンロードし直してください。")
                } else {
                    format!("Rows 1-{HEADER_ROWS} (the system's header) are incomplete. Download the template again.")
                }
            }
            Problem::HeaderCell { expected, found } => {
                if ja {
                    format!("見出しのこのセルは「{expected}」のはずですが「{found}」になっています。1〜{HEADER_ROWS}行目は編集せず、テンプレートのままにしてください。")
                } else {
                    format!("This header cell should be \"{expected}\" but is \"{found}\". Rows 1-{HEADER_ROWS} must stay as the template wrote them.")
                }
            }
            Problem::WrongSheet { what, expected, found } => {
                let (what_ja, what_en) = if *what == "period" { ("評価期", "evaluation period") } else { ("シート", "sheet") };
                if ja {
                    format!("このファイルは別の{what_ja}({found})のテンプレートです。選択中の{what_ja}({expected})のテンプレートを使ってください。")
                } else {
                    format!("This file is a template for another {what_en} ({found}); the one chosen is {expected}. Use that one's template.")
                }
            }
            Problem::NoItems => {
                if ja {
                    "2行目に項目IDが1つもありません。テンプレートをダウンロードし直してください。".to_owned()
                } else {
                    "Row 2 lists no item ids. Download the template again.".to_owned()
                }
            }
            Problem::UnknownItem { id } => {
                if ja {
                    format!("項目ID「{id}」はこのシートにないか、インポートできない項目です。列を削除するか、テンプレートをダウンロードし直してください。")
                } else {
                    format!("Item id \"{id}\" is not an importable item of this sheet. Remove the column or download the template again.")
                }
            }
            Problem::DuplicateItem { id, first_column } => {
                let letter = column_letter(*first_column);
                if ja {
                    format!("項目ID「{id}」が{letter}列にもあります。どちらかの列を削除してください。")
                } else {
                    format!("Item id \"{id}\" also appears in column {letter}. Remove one of the two columns.")
                }
            }
            Problem::TooManyItems { count } => {
                if ja {
                    format!("項目が{count}個以上あります。1回のインポートは{}項目までです。項目を分けてテンプレートを作成してください。", thousands(MAX_ITEMS as u64))
                } else {
                    format!("The file has at least {count} items; one import takes at most {}. Split the items over several templates.", thousands(MAX_ITEMS as u64))
                }
            }
            Problem::ItemTypeChanged { id, expected, found } => {
                if ja {
                    format!("項目「{id}」の種類は現在「{expected}」ですが、ファイルでは「{found}」です。テンプレートをダウンロードし直してください。")
                } else {
                    format!("Item \"{id}\" is now of type \"{expected}\" but the file says \"{found}\". Download the template again.")
                }
            }
            Problem::HeaderWidth { expected, found } => {
                if ja {
                    format!("この見出し行は{found}列ですが、2行目は{expected}列です。1〜{HEADER_ROWS}行目は編集しないでください。")
                } else {
                    format!("This header row has {found} columns but row 2 has {expected}. Rows 1-{HEADER_ROWS} must not be edited.")
                }
            }
            Problem::TooManyEvaluatees => {
                if ja {
                    format!("被評価者の行が{}行を超えています。ファイルを分けてアップロードしてください。", thousands(u64::from(MAX_EVALUATEES)))
                } else {
                    format!("The file has more than {} evaluatee rows. Split it into several files.", thousands(u64::from(MAX_EVALUATEES)))
                }
            }
            Problem::FieldCount { expected, found } => {
                if ja {
                    format!("この行は{found}列ですが、2行目は{expected}列です。区切りのカンマや引用符(\")が崩れていないか確認してください。")
                } else {
                    format!("This row has {found} columns but row 2 has {expected}. Check for a stray comma or unbalanced quote (\").")
                }
            }
            Problem::KeyMissing => {
                if ja {
                    "従業員番号またはメールアドレスが空です。2列目に入力してください。".to_owned()
                } else {
                    "The employee number or e-mail is empty. Fill in column 2.".to_owned()
                }
            }
            Problem::KeyUnknown { key } => {
                if ja {
                    format!("「{key}」に該当する被評価者がいないか、記入権限がありません。従業員番号またはメールアドレスを確認してください。")
                } else {
                    format!("No evaluatee you may write has the key \"{key}\". Check the employee number or e-mail.")
                }
            }
            Problem::KeyDuplicate { key, first_row } => {
                if ja {
                    format!("「{key}」は{first_row}行目にもあります。1人につき1行にしてください。")
                } else {
                    format!("\"{key}\" already appears in row {first_row}. Keep one row per evaluatee.")
                }
            }
            Problem::NumberQuoted { value } => {
                if ja {
                    format!("数値「{value}」が文字列(\"で囲まれた値)になっています。引用符を外し、数字だけを入力してください。")
                } else {
                    format!("The number \"{value}\" is written as quoted text. Remove the quotes and enter digits only.")
                }
            }
            Problem::NumberInvalid { value, hint } => {
                let (fix_ja, fix_en) = match hint {
                    NumberHint::FullWidth => ("全角の数字や記号は使えません。半角で入力してください。", "Full-width digits are not accepted; use half-width digits."),
                    NumberHint::Whitespace => ("前後の空白を削除してください。", "Remove the spaces around it."),
                    NumberHint::ThousandsSeparator => ("桁区切りのカンマを外してください。", "Remove the thousands separators."),
                    NumberHint::Exponent => ("指数表記は使えません。セルの書式を「数値」にして保存し直してください。", "Scientific notation is not accepted; format the cell as a plain number."),
                    NumberHint::Other => ("半角数字で入力してください(例: 12.5、-3)。", "Enter a number such as 12.5 or -3."),
                };
                if ja {
                    format!("「{value}」は数値ではありません。{fix_ja}")
                } else {
                    format!("\"{value}\" is not a number. {fix_en}")
                }
            }
            Problem::NumberTooLarge { value } => {
                if ja {
                    format!("数値「{value}」の整数部分が{MAX_INTEGER_DIGITS}桁を超えています。")
                } else {
                    format!("The number \"{value}\" has more than {MAX_INTEGER_DIGITS} digits before the decimal point.")
                }
            }
            Problem::NumberBelowMin { value, min } => {
                if ja {
                    format!("{value}は最小値{min}より小さいです。{min}以上の値を入力してください。")
                } else {
                    format!("{value} is below the minimum {min}. Enter {min} or more.")
                }
            }
            Problem::NumberAboveMax { value, max } => {
                if ja {
                    format!("{value}は最大値{max}より大きいです。{max}以下の値を入力してください。")
                } else {
                    format!("{value} is above the maximum {max}. Enter {max} or less.")
                }
            }
            Problem::TextTooLong { length, max } => {
                if ja {
                    format!("{length}文字あります。{max}文字以内にしてください。")
                } else {
                    format!("The text is {length} characters long; at most {max} are allowed.")
                }
            }
            Problem::CheckboxInvalid { value } => {
                if ja {
                    format!("チェックボックスに「{value}」は使えません。1(ON)、0(OFF)、または空欄(OFF)にしてください。")
                } else {
                    format!("\"{value}\" is not a checkbox value. Use 1 (on), 0 (off) or leave it blank (off).")
                }
            }
            Problem::DropdownUnknown { value, options } => {
                let mut list = String::new();
                for (index, option) in options.iter().enumerate() {
                    if index > 0 {
                        list.push_str(if ja { "、" } else { ", " });
                    }
                    let _ = if ja { write!(list, "「{option}」") } else { write!(list, "\"{option}\"") };
                }
                if ja {
                    format!("「{value}」は選択肢にありません。次のいずれかと完全に一致させてください: {list}")
                } else {
                    format!("\"{value}\" is not one of the options. Use one of them exactly: {list}")
                }
            }
            Problem::InvalidValue { field_type, value, hint } => {
                let type_name = field_type.name(lang);
                let (fix_ja, fix_en) = hint.fix();
                if ja {
                    format!("「{value}」は{type_name}として読めません。{fix_ja}")
                } else {
                    format!("\"{value}\" is not a valid {type_name}. {fix_en}")
                }
            }
            Problem::MatchingKeyBlank { field } => {
                if ja {
                    format!("マッチングキー「{field}」が空です。既存データを探すために値を入力してください。")
                } else {
                    format!("The matching key \"{field}\" is blank. Fill it in so the record can be found.")
                }
            }
            Problem::DuplicateMatchingKey { first_row } => {
                if ja {
                    format!("マッチングキーの値が{first_row}行目と同じです。1件につき1行にしてください。")
                } else {
                    format!("Same matching-key values as row {first_row}. Keep one row per record.")
                }
            }
            Problem::TooManyRows { max } => {
                let max = thousands(u64::from(*max));
                if ja {
                    format!("データ行が{max}行を超えています。ファイルを{max}行以下に分けてください。")
                } else {
                    format!("The file has more than {max} data rows. Split it into files of at most {max} rows.")
                }
            }
            Problem::MissingColumn { column } => {
                if ja {
                    format!("見出し「{column}」の列がファイルにありません。見出し行を確認するか、インポート条件のマッピングを直してください。")
                } else {
                    format!("The file has no column headed \"{column}\". Check the header row or fix the import condition's mapping.")
                }
            }
            Problem::NotDecodable { encoding } => {
                if ja {
                    format!("{encoding}として読めない文字があります。ファイルの文字コードを確認してください(UTF-8またはShift_JIS)。")
                } else {
                    format!("Some bytes are not valid {encoding}. Check the file's encoding (UTF-8 or Shift_JIS).")
                }
            }
            Problem::Member(problem) => problem.message(lang),
        }
    }
}

impl ValueHint {
    /// How to fix the value, in Japanese and English.
    fn fix(self) -> (&'static str, &'static str) {
        match self {
            ValueHint::FullWidth => (
                "全角の数字や記号は使えません。半角で入力してください。",
                "Full-width digits and symbols are not accepted; use half-width ones.",
            ),
            ValueHint::ThousandsSeparator => (
                "桁区切りのカンマを外してください。",
                "Remove the thousands separators.",
            ),
            ValueHint::Exponent => (
                "指数表記は使えません。セルの書式を「数値」にして保存し直してください。",
                "Scientific notation is not accepted; format the cell as a plain number.",
            ),
            ValueHint::Number => (
                "半角数字で入力してください(例: 1200、-3.5。整数部15桁、小数部10桁まで)。",
                "Enter a number such as 1200 or -3.5 (at most 15 digits before and 10 after the point).",
            ),
            ValueHint::Date => (
                "「2026/4/1」「2026-04-01」「2026年4月1日」のように入力してください。",
                "Enter a date such as 2026/4/1, 2026-04-01 or 2026年4月1日.",
            ),
            ValueHint::NoSuchDate => (
                "存在しない日付です。月と日を確認してください。",
                "That date does not exist; check the month and day.",
            ),
            ValueHint::Time => (
                "「9:05」「09:05:30」のように入力してください。",
                "Enter a time such as 9:05 or 09:05:30.",
            ),
            ValueHint::NoSuchTime => (
                "時は0〜23、分と秒は0〜59で入力してください。",
                "Hours go from 0 to 23, minutes and seconds from 0 to 59.",
            ),
            ValueHint::Datetime => (
                "「2026/4/1 9:05」のように日付と時刻を入力してください。",
                "Enter a date and time such as 2026/4/1 9:05.",
            ),
            ValueHint::DatetimeNeedsTime => (
                "時刻がありません。「2026/4/1 9:00」のように時刻も入力してください。",
                "The time is missing; enter it too, as in 2026/4/1 9:00.",
            ),
            ValueHint::Email => (
                "「taro@example.co.jp」のような形式で入力してください。",
                "Enter an address such as taro@example.co.jp.",
            ),
            ValueHint::Phone => (
                "半角数字とハイフン・括弧で入力してください(例: 03-1234-5678)。",
                "Use digits with hyphens or parentheses, such as 03-1234-5678.",
            ),
            ValueHint::Link => (
                "「https://」で始まるURLを入力してください。",
                "Enter a URL starting with https:// (or http://).",
            ),
            ValueHint::Checkbox => (
                "1(ON)か0(OFF)で入力してください(TRUE/FALSEも可)。",
                "Use 1 (on) or 0 (off); TRUE and FALSE also work.",
            ),
        }
    }
}

impl Diagnostic {
    /// A problem with the whole file.
    pub fn file(problem: Problem) -> Self {
        Diagnostic {
            row: None,
            column: None,
            problem,
        }
    }

    /// A problem at a row (and column, when given).
    pub fn at(row: u32, column: Option<u32>, problem: Problem) -> Self {
        Diagnostic {
            row: Some(row),
            column,
            problem,
        }
    }

    /// The stable code of the problem.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    /// The column as Excel names it (`A`, `Z`, `AA`, ...).
    pub fn column_letter(&self) -> Option<String> {
        self.column.map(column_letter)
    }

    /// The message in the given language.
    pub fn message(&self, lang: Lang) -> String {
        self.problem.message(lang)
    }
}

/// Excel's name for a 1-based column number: 1 → `A`, 27 → `AA`.
pub fn column_letter(column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Cuts a cell value for quoting in a message: 40 characters at most, on a
/// character boundary, newlines shown as `↵`.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX_CHARS: usize = 40;
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c == '\n' || c == '\r' { '↵' } else { c })
        .collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// `1000000` as `1,000,000`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        let cases = [
            (1, "A"),
            (2, "B"),
            (26, "Z"),
            (27, "AA"),
            (52, "AZ"),
            (53, "BA"),
            (702, "ZZ"),
            (703, "AAA"),
            (1002, "ALN"),
            (16384, "XFD"),
        ];
        for (column, letter) in cases {
            assert_eq!(column_letter(column), letter, "column {column}");
        }
    }

    #[test]
    fn excerpt_cuts_long_values_and_shows_newlines() {
        assert_eq!(excerpt(b"a\nb"), "a↵b");
        assert_eq!(
            excerpt("あ".repeat(41).as_bytes()),
            format!("{}…", "あ".repeat(40))
        );
        assert_eq!(excerpt("あ".repeat(40).as_bytes()), "あ".repeat(40));
    }
}
