//! What the server keeps about a failed row or a refused file: coded — the
//! engine's [`Problem`] or one the server found, with the values involved —
//! never a finished sentence. Messages are rendered when read, in both
//! languages, in the wording of the server that reads them.

use serde::{Deserialize, Serialize};
use sheetlink_engine::{Diagnostic, Lang, Problem};

/// Something wrong with a row or a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A problem the engine found in the file.
    Engine(Problem),
    /// No evaluatee in the caller's scope has this key (one out of scope
    /// reads exactly like an unknown one).
    EvaluateeUnknown {
        /// The key as written.
        key: String,
    },
    /// The caller may not write this evaluatee's sheet in its status.
    EvaluateeForbidden,
    /// A record matches and the condition only inserts.
    RecordExists {
        /// Whether the row was skipped (else it failed).
        skipped: bool,
    },
    /// No record matches and the condition only updates.
    RecordNotFound,
    /// Several records have the row's matching keys: which one to update
    /// is not decided.
    MatchAmbiguous {
        /// How many records match.
        count: usize,
    },
    /// The row's id belongs to another record.
    IdTaken {
        /// The id.
        id: String,
    },
    /// No related record has the value.
    RelationNotFound {
        /// The value looked up.
        value: String,
    },
    /// Several related records have the value.
    RelationAmbiguous {
        /// The value looked up.
        value: String,
        /// How many records have it.
        count: usize,
    },
    /// The server stopped during a run, before its one transaction
    /// committed: nothing of it was applied.
    ServerStopped,
    /// A run met an error (its stable code) before its one transaction
    /// committed: nothing of it was applied.
    ApplyFailed {
        /// The error's stable code (`internal` for a server fault).
        code: String,
    },
    /// Kept by a server that stored finished sentences (store format 2):
    /// the code and the sentences as they were.
    Sentence {
        /// The stable code.
        code: String,
        /// The message in Japanese.
        ja: String,
        /// The message in English.
        en: String,
    },
}

impl Notice {
    /// The stable code (`number.above_max`, `relation.not_found`, …).
    pub fn code(&self) -> &str {
        match self {
            Notice::Engine(problem) => problem.code(),
            Notice::EvaluateeUnknown { .. } => "evaluatee.unknown",
            Notice::EvaluateeForbidden => "evaluatee.forbidden",
            Notice::RecordExists { .. } => "record.exists",
            Notice::RecordNotFound => "record.not_found",
            Notice::MatchAmbiguous { .. } => "record.ambiguous",
            Notice::IdTaken { .. } => "record.id_taken",
            Notice::RelationNotFound { .. } => "relation.not_found",
            Notice::RelationAmbiguous { .. } => "relation.ambiguous",
            Notice::ServerStopped => "run.server_stopped",
            Notice::ApplyFailed { .. } => "run.failed",
            Notice::Sentence { code, .. } => code,
        }
    }

    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Notice::Engine(problem) => problem.message(lang),
            Notice::EvaluateeUnknown { key } if ja => format!(
                "「{key}」に該当する被評価者がいません。従業員番号またはメールアドレスを確認してください。"
            ),
            Notice::EvaluateeUnknown { key } => {
                format!("No evaluatee has the key \"{key}\". Check the employee number or e-mail.")
            }
            Notice::EvaluateeForbidden if ja => {
                "この被評価者のシートには、現在のステータスでは記入権限がありません。".into()
            }
            Notice::EvaluateeForbidden => {
                "You may not write this evaluatee's sheet in its current status.".into()
            }
            Notice::RecordExists { skipped: true } if ja => {
                "既に登録されているため、新規登録のみの設定によりスキップしました。".into()
            }
            Notice::RecordExists { skipped: true } => {
                "Already exists; insert-only skips it.".into()
            }
            Notice::RecordExists { skipped: false } if ja => {
                "既に登録されています（新規登録のみ）。".into()
            }
            Notice::RecordExists { skipped: false } => "Already exists (insert only).".into(),
            Notice::RecordNotFound if ja => "一致するレコードがありません（上書きのみ）。".into(),
            Notice::RecordNotFound => "No record matches (update only).".into(),
            Notice::MatchAmbiguous { count } if ja => format!(
                "照合キーに当たるレコードが{count}件あり、どれを更新するか決まりません。照合キーに一つに決まる項目（IDなど）を加えてください。"
            ),
            Notice::MatchAmbiguous { count } => format!(
                "{count} records have this row's matching keys, so which to update is not decided: add a field that identifies one record (the id, say) to the matching keys."
            ),
            Notice::IdTaken { id } if ja => format!("ID「{id}」は別のレコードが使っています。"),
            Notice::IdTaken { id } => format!("The id {id} belongs to another record."),
            Notice::RelationNotFound { value } if ja => {
                format!("「{value}」に当たる紐づき先が見つかりません。")
            }
            Notice::RelationNotFound { value } => format!("No related record has “{value}”."),
            Notice::RelationAmbiguous { value, count } if ja => {
                format!("「{value}」に当たる紐づき先が{count}件あり、一つに決まりません。")
            }
            Notice::RelationAmbiguous { value, count } => {
                format!("{count} related records have “{value}”.")
            }
            Notice::ServerStopped if ja => "サーバーが停止したため中断しました。何も反映されていません。同じファイルをもう一度送ってください（同じIdempotency-Keyで構いません）。".into(),
            Notice::ServerStopped => "The server stopped during the run; nothing of it was applied. Send the file again (the same Idempotency-Key may be used).".into(),
            Notice::ApplyFailed { code } if ja => format!(
                "反映中にエラー（{code}）が起きたため中断しました。何も反映されていません。しばらくしてから同じファイルをもう一度送り、続く場合は管理者に連絡してください。"
            ),
            Notice::ApplyFailed { code } => format!(
                "The run met an error ({code}) and stopped; nothing of it was applied. Send the file again in a while; if it goes on, tell the administrator."
            ),
            Notice::Sentence { ja: text, .. } if ja => text.clone(),
            Notice::Sentence { en, .. } => en.clone(),
        }
    }
}

/// A notice with where it applies: the file row and column as Excel shows
/// them, or the field a batch value was meant for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// 1-based file row (`None`: the file as a whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// 1-based column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The field (a relation a batch row could not resolve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub notice: Notice,
}

impl Note {
    /// A notice about a whole row (or, without a row, the file).
    pub fn at(row: Option<u32>, notice: Notice) -> Self {
        Note {
            row,
            column: None,
            field: None,
            notice,
        }
    }

    /// The note of one of the engine's diagnostics.
    pub fn of(diagnostic: &Diagnostic) -> Self {
        Note {
            row: diagnostic.row,
            column: diagnostic.column,
            field: None,
            notice: Notice::Engine(diagnostic.problem.clone()),
        }
    }

    /// The same notice about `field`.
    pub fn on(self, field: &str) -> Self {
        Note {
            field: Some(field.to_owned()),
            ..self
        }
    }

    /// The column as Excel names it (`C`, `AA`).
    pub fn column_letter(&self) -> Option<String> {
        self.column.map(sheetlink_engine::column_letter)
    }

    /// The message in `lang`, prefixed by where it applies within its row:
    /// `C5: …` for a cell, `parent: …` for a field, nothing for the row.
    /// With `whole_file`, a note about a row without a column says the row
    /// (`5行目: …`), as a file-level reason lists them.
    pub fn line(&self, lang: Lang, whole_file: bool) -> String {
        let message = self.notice.message(lang);
        match (self.row, self.column_letter(), &self.field) {
            (Some(row), Some(letter), _) => format!("{letter}{row}: {message}"),
            (_, None, Some(field)) => format!("{field}: {message}"),
            (Some(row), None, None) if whole_file && lang == Lang::Ja => {
                format!("{row}行目: {message}")
            }
            (Some(row), None, None) if whole_file => format!("row {row}: {message}"),
            _ => message,
        }
    }
}

/// The lines of `notes` in `lang`, one a line.
pub fn lines(notes: &[Note], lang: Lang, whole_file: bool) -> String {
    notes
        .iter()
        .map(|note| note.line(lang, whole_file))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_kept_as_its_code_and_values_and_rendered_on_read() {
        let note = Note {
            row: Some(5),
            column: Some(3),
            field: None,
            notice: Notice::Engine(Problem::NumberAboveMax {
                value: sheetlink_engine::Hundredths(12_000),
                max: sheetlink_engine::Hundredths(10_000),
            }),
        };
        let stored = serde_json::to_value(&note).expect("serializes");
        assert_eq!(stored["notice"]["kind"], "engine");
        assert_eq!(stored["notice"]["problem"], "number_above_max");
        assert_eq!(stored["notice"]["value"], 12_000);
        assert!(
            stored.get("message").is_none() && !stored.to_string().chars().any(|c| c >= '\u{3000}'),
            "no sentence is stored: {stored}"
        );
        let read: Note = serde_json::from_value(stored).expect("reads back");
        assert_eq!(read, note);
        assert_eq!(read.notice.code(), "number.above_max");
        assert!(read.line(Lang::Ja, false).starts_with("C5: "));
        assert_ne!(read.notice.message(Lang::Ja), read.notice.message(Lang::En));

        let relation = Note::at(
            Some(7),
            Notice::RelationAmbiguous {
                value: "C1".into(),
                count: 2,
            },
        )
        .on("parent");
        assert_eq!(
            relation.line(Lang::En, false),
            "parent: 2 related records have “C1”."
        );
        let row_only = Note::at(Some(9), Notice::RecordNotFound);
        assert_eq!(
            row_only.line(Lang::Ja, true),
            "9行目: 一致するレコードがありません（上書きのみ）。"
        );
        assert_eq!(
            row_only.line(Lang::En, false),
            "No record matches (update only)."
        );
    }
}
