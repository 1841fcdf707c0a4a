//! Batch linkage (PRODUCT.md Part B) on the server: the CRM records, the
//! tenant's settings, import and export conditions, the batch API the
//! scheduler client calls, history, timeline posts and e-mail.
//!
//! The engine (`sheetlink_engine::linkage`) decides what a file means
//! (`map_file`) and writes exports; this module decides what it does to the
//! stored records, who may ask, and who is told.

pub mod access;
pub mod api;
pub mod apply;
pub mod catalog;
pub mod claim;
pub mod lists;
pub mod mail;
pub mod manual;
pub mod module;
pub mod records;
pub mod seed;
pub mod templates;

use serde::{Deserialize, Serialize};
pub use sheetlink_protocol::linkage::{
    AfterExport, AfterImport, AuthMethod, MAX_EMAILS, SettingsView, StoredExportCondition,
    StoredImportCondition, TimelinePost,
};

/// A tenant's batch-linkage settings (バッチ連携設定) as stored: what the
/// admin sees ([`SettingsView`]) and the token's hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Settings {
    /// (1) Whether batch linkage may be used at all.
    pub enabled: bool,
    /// (3) Allowed client addresses as the admin typed them: IPv4, IPv6 or
    /// CIDR, separated by `;`. Empty: any address.
    #[serde(default)]
    pub allowed_ips: String,
    /// (4) Authentication method.
    #[serde(default)]
    pub auth: AuthMethod,
    /// (5) SHA-256 (hex) of the current token; never the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    /// When the current token was issued (seconds since the epoch).
    #[serde(default)]
    pub token_issued_at: Option<u64>,
    /// (6) Members whose timeline gets the completion posts.
    #[serde(default)]
    pub timeline_targets: Vec<String>,
    /// (7) Addresses that get the completion e-mail (at most 20).
    #[serde(default)]
    pub emails: Vec<String>,
}

use sheetlink_engine::Lang;
pub use sheetlink_protocol::linkage::{Direction, LinkageRun, RowResult, RunKind, RunStatus};

use crate::notice::{self, Note};
pub use sheetlink_protocol::{Counts, Outcome};

/// The standard sheet whose records a condition may notify (社員), and its
/// fields that reach a person: the e-mail, and the number a member's
/// 従業員番号 may match.
pub const STAFF_SHEET: &str = "employee";
/// The 社員 sheet's e-mail field.
pub const STAFF_EMAIL: &str = "email";
/// The 社員 sheet's employee-number field.
pub const STAFF_NUMBER: &str = "employee_number";

/// A batch file of at most this many data rows is answered with every row's
/// result; a longer one with its failed and skipped rows only.
pub const ANSWER_EVERY_ROW: usize = 10_000;
/// The most row results an answer lists (`rows_truncated` says when more
/// existed; the counts stay exact).
pub const MAX_ANSWERED_ROWS: usize = 100_000;

/// Row results kept per run; the counts are always exact, and the batch
/// client got every row in its answer.
pub const MAX_STORED_ROW_RESULTS: usize = 1_000;

/// A row's result as kept: its outcome and record, or what went wrong,
/// coded (rendered in both languages when read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRecord {
    /// File row.
    pub row: u32,
    /// What happened to it.
    pub outcome: Outcome,
    /// The record it created or updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Why it was skipped or failed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl RowRecord {
    /// The row as the API answers it: the first note's code and every note
    /// as a line (`C5: …`, `parent: …`), in each language.
    pub fn render(&self) -> RowResult {
        let said = !self.notes.is_empty();
        RowResult {
            row: self.row,
            outcome: self.outcome,
            record: self.record.clone(),
            code: self.notes.first().map(|note| note.notice.code().to_owned()),
            cells: self
                .notes
                .iter()
                .filter_map(|note| Some(format!("{}{}", note.column_letter()?, note.row?)))
                .collect(),
            message: said.then(|| notice::lines(&self.notes, Lang::Ja, false)),
            message_en: said.then(|| notice::lines(&self.notes, Lang::En, false)),
        }
    }
}

/// A batch run as kept: the run without its rows or rendered reason, its
/// rows and the reason a file was refused, coded.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Everything but the rows and the reason.
    pub head: LinkageRun,
    /// The rows it reports.
    pub rows: Vec<RowRecord>,
    /// Why the file was refused as a whole (empty otherwise).
    pub reason: Vec<Note>,
}

impl Run {
    /// The run as the API answers it.
    pub fn render(&self) -> LinkageRun {
        let refused = !self.reason.is_empty();
        LinkageRun {
            rows: self.rows.iter().map(RowRecord::render).collect(),
            reason: refused.then(|| notice::lines(&self.reason, Lang::Ja, true)),
            reason_en: refused.then(|| notice::lines(&self.reason, Lang::En, true)),
            ..self.head.clone()
        }
    }
}

/// Whether `address` is an acceptable notification address.
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && address.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        && !domain.contains('@')
}

/// Checks a list of notification addresses: at most [`MAX_EMAILS`], each
/// valid, no duplicates; the message names the first problem.
pub fn check_emails(emails: &[String]) -> Result<(), crate::error::Bilingual> {
    use crate::error::Bilingual;
    if emails.len() > MAX_EMAILS {
        return Err(Bilingual::new(
            format!(
                "通知先メールアドレスは{MAX_EMAILS}件までです（{}件あります）。減らしてください。",
                emails.len()
            ),
            format!(
                "At most {MAX_EMAILS} addresses ({} given): remove some.",
                emails.len()
            ),
        ));
    }
    for (index, email) in emails.iter().enumerate() {
        if !valid_email(email) {
            return Err(Bilingual::new(
                format!(
                    "{}件目のメールアドレス「{email}」の形式が正しくありません。",
                    index + 1
                ),
                format!("Address {} is not a valid e-mail address.", index + 1),
            ));
        }
        if emails[..index].contains(email) {
            return Err(Bilingual::new(
                format!("メールアドレス「{email}」が重複しています。1回だけ入力してください。"),
                format!("The address {email} is listed twice: keep one."),
            ));
        }
    }
    Ok(())
}

/// The completion message of PRODUCT.md Part B, following the run's
/// status: the subject line, then start, end, the row count and, when rows
/// failed, how many and (all failed) why. Times in the server's offset.
pub fn completion_message(
    sheet_name: &str,
    run: &LinkageRun,
    offset_minutes: i32,
) -> (String, String) {
    let what = if run.direction == Direction::Import {
        "インポート"
    } else {
        "エクスポート"
    };
    let key = &run.key;
    let by = match (run.kind, run.on_the_spot) {
        (RunKind::Batch, _) => format!("バッチ連携({key})"),
        (RunKind::Manual, false) => format!("手動インポート({key})"),
        (RunKind::Manual, true) => "手動インポート（その場のマッピング）".to_owned(),
    };
    let failed = run.counts.failed;
    let subject = match run.status {
        RunStatus::CompletedWithErrors => format!(
            "{sheet_name}の{what}が{by}により完了しましたが、{failed}件のエラーがあります。"
        ),
        RunStatus::AllFailed => {
            format!("{sheet_name}の{what}が{by}により実行されましたが、全て失敗しました。")
        }
        RunStatus::Completed => format!("{sheet_name}の{what}が{by}により完了しました。"),
        // Never told: a run is announced in the transaction that ends it.
        RunStatus::Running | RunStatus::Interrupted => {
            format!("{sheet_name}の{what}が{by}により停止しました。何も反映されていません。")
        }
    };
    let rows = if run.direction == Direction::Import {
        run.counts.applied()
    } else {
        run.counts.rows_in
    };
    let mut body = format!(
        "{subject}\n開始日時:{}\n終了日時:{}\nデータの件数:{rows}件\n",
        local_time(run.started_at, offset_minutes),
        local_time(run.ended_at, offset_minutes)
    );
    if failed > 0 {
        body.push_str(&format!("エラーの件数:{failed}件\n"));
    }
    if run.status == RunStatus::AllFailed {
        let reason = run.reason.clone().or_else(|| {
            run.rows
                .iter()
                .find(|row| row.outcome == Outcome::Failed)
                .and_then(|row| Some(format!("{}行目: {}", row.row, row.message.as_deref()?)))
        });
        if let Some(reason) = reason {
            body.push_str(&format!("理由:{reason}\n"));
        }
    }
    (subject, body)
}

/// `YYYY-MM-DD HH:MM:SS` of `seconds` since the epoch, shifted by
/// `offset_minutes` (540 for Japan).
pub fn local_time(seconds: u64, offset_minutes: i32) -> String {
    let t = seconds as i64 + i64::from(offset_minutes) * 60;
    let (days, rest) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Saves the tenant's settings as the admin sent them (addresses and
/// e-mails checked by the handler): every timeline target must be a member;
/// the token is kept — read, changed and written in one transaction, so a
/// token issued meanwhile is never replaced by the hash this save read.
pub fn save_settings(
    store: &(impl crate::store::Linkage + crate::store::Organisation),
    tenant: &str,
    update: SettingsView,
) -> Result<Settings, crate::error::AppError> {
    for member in &update.timeline_targets {
        if store.member(tenant, member)?.is_none() {
            return Err(crate::error::AppError::bad_request(
                "unknown_member",
                format!("通知先の社員「{member}」が見つかりません。一覧から選び直してください。"),
                format!("No member {member}: pick the member again from the list."),
            ));
        }
    }
    store.update_linkage_settings(tenant, |settings| {
        settings.enabled = update.enabled;
        settings.allowed_ips = update.allowed_ips.trim().to_owned();
        settings.auth = update.auth;
        settings.timeline_targets = update.timeline_targets;
        settings.emails = update.emails;
        Ok(settings.clone())
    })
}

/// The tenant's condition `key` of one direction, or 404.
pub fn stored_condition<T: StoredCondition>(
    store: &impl crate::store::Linkage,
    tenant: &str,
    key: &str,
) -> Result<T, crate::error::AppError> {
    store.condition(tenant, key)?.ok_or_else(no_condition)
}

/// 404 for a condition key that does not exist.
pub fn no_condition() -> crate::error::AppError {
    crate::error::AppError::not_found(
        "unknown_condition",
        "このキーの条件はありません。条件の一覧を確認してください。",
        "No condition has this key. Check the list of conditions.",
    )
}

/// What the store and the condition routes need of a stored condition type:
/// one set of generic handlers and store operations serves import and
/// export conditions alike.
pub trait StoredCondition: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    /// Which way its batches move data.
    const DIRECTION: Direction;
    /// The condition's key.
    fn key(&self) -> &str;
    /// The engine's problems with the condition against `catalog`.
    fn problems(
        &self,
        catalog: &sheetlink_engine::linkage::Catalog,
    ) -> Vec<sheetlink_engine::linkage::ConditionProblem>;
    /// Its notification addresses.
    fn emails(&self) -> &[String];
    /// The CRM 社員 records it notifies.
    fn staff(&self) -> &[String];
}

/// Both stored condition types hold the engine's condition and the
/// after-actions the same way.
macro_rules! stored_condition {
    ($stored:ty, $direction:expr) => {
        impl StoredCondition for $stored {
            const DIRECTION: Direction = $direction;
            fn key(&self) -> &str {
                &self.condition.key
            }
            fn problems(
                &self,
                catalog: &sheetlink_engine::linkage::Catalog,
            ) -> Vec<sheetlink_engine::linkage::ConditionProblem> {
                self.condition.check(catalog)
            }
            fn emails(&self) -> &[String] {
                &self.after.emails
            }
            fn staff(&self) -> &[String] {
                &self.after.notify_staff
            }
        }
    };
}

stored_condition!(StoredImportCondition, Direction::Import);
stored_condition!(StoredExportCondition, Direction::Export);

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        SettingsView {
            enabled: s.enabled,
            allowed_ips: s.allowed_ips,
            auth: s.auth,
            token_issued_at: s.token_issued_at,
            timeline_targets: s.timeline_targets,
            emails: s.emails,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_local_time() {
        assert_eq!(local_time(0, 0), "1970-01-01 00:00:00");
        // 2025-01-01 03:00:00 UTC is noon in Japan.
        assert_eq!(local_time(1_735_700_400, 540), "2025-01-01 12:00:00");
        assert_eq!(local_time(951_782_400, 0), "2000-02-29 00:00:00");
    }

    #[test]
    fn checks_notification_addresses() {
        assert!(check_emails(&["a@example.co.jp".into()]).is_ok());
        assert!(check_emails(&["not an address".into()]).is_err());
        assert!(check_emails(&["a@b".into()]).is_err());
        assert!(check_emails(&["a@example.com".into(), "a@example.com".into()]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("u{i}@example.com")).collect();
        assert!(
            check_emails(&many)
                .expect_err("21")
                .to_string()
                .contains("20")
        );
        assert!(check_emails(&many[..20]).is_ok());
    }

    fn run(status: RunStatus, counts: Counts, reason: Option<&str>) -> LinkageRun {
        LinkageRun {
            on_the_spot: false,
            id: "r1".into(),
            kind: RunKind::Batch,
            direction: Direction::Import,
            key: "customers".into(),
            sheet: "customer".into(),
            actor: "token".into(),
            started_at: 1_735_700_400,
            ended_at: 1_735_700_700,
            status,
            reason: reason.map(str::to_owned),
            reason_en: None,
            counts,
            rows: vec![RowResult {
                row: 3,
                outcome: Outcome::Failed,
                record: None,
                code: Some("value.invalid".into()),
                cells: vec!["B3".into()],
                message: Some("B3: 日付が正しくありません。".into()),
                message_en: Some("B3: Not a date.".into()),
            }],
            rows_truncated: false,
            mail_delayed_until: None,
            not_added_to_list: 0,
        }
    }

    #[test]
    fn completion_message_follows_the_status() {
        let counts = |created, failed| Counts {
            rows_in: created + failed,
            created,
            failed,
            ..Counts::default()
        };
        let cases: [(LinkageRun, &str, &[&str]); 4] = [
            (
                run(RunStatus::Completed, counts(3, 0), None),
                "顧客のインポートがバッチ連携(customers)により完了しました。",
                &[
                    "開始日時:2025-01-01 12:00:00",
                    "終了日時:2025-01-01 12:05:00",
                    "データの件数:3件",
                ],
            ),
            (
                run(RunStatus::CompletedWithErrors, counts(2, 1), None),
                "顧客のインポートがバッチ連携(customers)により完了しましたが、1件のエラーがあります。",
                &["データの件数:2件", "エラーの件数:1件"],
            ),
            (
                run(RunStatus::AllFailed, counts(0, 1), None),
                "顧客のインポートがバッチ連携(customers)により実行されましたが、全て失敗しました。",
                &[
                    "データの件数:0件",
                    "理由:3行目: B3: 日付が正しくありません。",
                ],
            ),
            (
                run(
                    RunStatus::AllFailed,
                    Counts::default(),
                    Some("ファイルの文字コードが違います。"),
                ),
                "顧客のインポートがバッチ連携(customers)により実行されましたが、全て失敗しました。",
                &["理由:ファイルの文字コードが違います。"],
            ),
        ];
        for (run, want_subject, want_lines) in cases {
            let (subject, body) = completion_message("顧客", &run, 540);
            assert_eq!(subject, want_subject);
            for line in want_lines {
                assert!(body.lines().any(|l| l == *line), "{line:?} in {body}");
            }
        }
    }
}
