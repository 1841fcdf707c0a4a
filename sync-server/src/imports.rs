//! Importing an evaluation-sheet CSV: validate natively with the engine,
//! check every evaluatee against the caller's permissions, then apply each
//! evaluatee's cells in a transaction of its own — or, for a dry run, only
//! say what would happen. Every real import is recorded in the history.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use sheetlink_engine::Lang;
use sheetlink_engine::evaluation::{
    Batch, Change, EvaluateeChanges, MAX_ERRORED_EVALUATEES, SheetSchema, Status, validate,
};
use sheetlink_protocol::evaluation::MAX_FILE_NAME_CHARS;

use crate::auth::Caller;
use crate::error::AppError;
use crate::ids::now;
use crate::model::{
    CustomizeSheet, Member, Period, SheetItem, SheetView, UserSheet, encode_sheet, put_leb,
    take_leb,
};
use crate::notice::{Note, Notice};
use crate::permissions::{in_scope, may_write, writable_items};
use crate::store::{Backend, Evaluations, Organisation};

pub use sheetlink_protocol::evaluation::{
    CHANGES_PAGE_BYTES, CellAction, CellChange, CellTotals, ChangedEvaluatee, ChangesPage, DryRun,
    EvaluateePlan, EvaluateeTotals, ImportAnswer, ImportChanges, ImportError, ImportRecord,
    ImportStatus, ItemTotals, MAX_STORED_ERRORS, Progress, RevertConflict,
};
pub use sheetlink_protocol::{Counts, Outcome};

/// An error as the API answers it: the stored note, rendered in both
/// languages.
pub fn import_error(note: &Note) -> ImportError {
    ImportError {
        row: note.row,
        column: note.column,
        column_letter: note.column_letter(),
        code: note.notice.code().to_owned(),
        message: note.notice.message(Lang::Ja),
        message_en: note.notice.message(Lang::En),
    }
}

/// The first [`MAX_STORED_ERRORS`] of `notes`, as the API answers them.
pub fn first_errors(notes: &[Note]) -> Vec<ImportError> {
    notes
        .iter()
        .take(MAX_STORED_ERRORS)
        .map(import_error)
        .collect()
}

/// An error the server found about an evaluatee (column B of its row).
fn evaluatee_error(row: u32, notice: Notice) -> Note {
    Note {
        row: Some(row),
        column: Some(2),
        field: None,
        notice,
    }
}

/// An import as `GET /api/imports/{id}` answers it: the record, its stored
/// errors and its progress.
pub fn details(
    store: &(impl Evaluations + Organisation),
    tenant: &str,
    import: ImportRecord,
) -> Result<sheetlink_protocol::evaluation::ImportDetails, AppError> {
    let progress = store.import_progress(tenant, &import.id)?;
    let errors = first_errors(&store.import_errors(tenant, &import.id)?);
    let (period_name, sheet_name) =
        crate::sheets::names(store, tenant, &import.period, &import.sheet)?;
    Ok(sheetlink_protocol::evaluation::ImportDetails {
        import: ImportAnswer { import, errors },
        progress,
        period_name,
        sheet_name,
    })
}

/// Imports a tenant may start in any rolling hour.
pub const IMPORTS_PER_HOUR: usize = 10;

/// What starting an import ended in.
pub enum Started {
    /// Checked, recorded and applied (or refused as a whole, recorded).
    Applied(ImportAnswer),
    /// The key was used before for the same file by an import the caller may
    /// see: its stored result.
    Replayed(ImportAnswer),
    /// The key was used for another file, or by an import the caller may not
    /// see (the two look alike on purpose).
    Conflict,
}

/// A dry run: checks `csv`, plans every total and the first page, and keeps
/// the plan in `dry_runs` for its pages. Writes nothing.
pub fn plan(
    store: &impl Backend,
    caller: &Caller,
    period: Period,
    sheet: CustomizeSheet,
    csv: &[u8],
    dry_runs: &crate::dry_runs::DryRuns,
) -> Result<DryRun, AppError> {
    require_open(&period)?;
    let bytes = crate::dry_runs::weight(csv.len());
    dry_runs
        .room_for(&caller.tenant, bytes)
        .map_err(crate::dry_runs::busy)?;
    let prepared = prepare(store, caller, &period, &sheet, csv)?;
    let id = crate::ids::new_token()?[..32].to_owned();
    let plan = dry_run(store, caller, &period, &sheet, &prepared, id.clone())?;
    dry_runs
        .keep(
            id,
            &caller.tenant,
            &caller.member.id,
            crate::dry_runs::EvaluationPlan {
                period,
                sheet,
                prepared,
            },
            bytes,
        )
        .map_err(crate::dry_runs::busy)?;
    Ok(plan)
}

fn require_open(period: &Period) -> Result<(), AppError> {
    if period.open {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "period_closed",
            "この評価期間は締め切られているため、インポートできません。",
            "This evaluation period is closed and cannot be imported.",
        ))
    }
}

/// Whether `caller` may open `record`'s details, by the caller's roles now:
/// evaluation admins, and the import's own operator while still an
/// importer (a leader demoted to member no longer reads their past
/// imports' errors, error files or changes).
pub fn may_open(caller: &Caller, record: &ImportRecord) -> bool {
    caller.member.is_evaluation_admin()
        || record.operator == caller.member.id && crate::permissions::may_import(&caller.member)
}

/// The file name an upload gave, as kept: its last path part (a browser
/// may send `C:\fakepath\…`), without control characters; `None` for none
/// or an empty one; refused over [`MAX_FILE_NAME_CHARS`] characters.
pub fn file_name(given: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(given) = given else {
        return Ok(None);
    };
    let last = given.rsplit(['/', '\\']).next().unwrap_or(given);
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let chars = clean.chars().count();
    if chars > MAX_FILE_NAME_CHARS {
        return Err(AppError::bad_request(
            "file_name_too_long",
            format!(
                "ファイル名が長すぎます（{chars}文字）。{MAX_FILE_NAME_CHARS}文字以内の名前に変えて、もう一度アップロードしてください。"
            ),
            format!(
                "The file name is too long ({chars} characters). Rename the file to at most {MAX_FILE_NAME_CHARS} characters and upload it again."
            ),
        ));
    }
    Ok((!clean.is_empty()).then(|| clean.to_owned()))
}

/// A file sent to be applied: its bytes, the key that makes a retry apply
/// it once, and the name it had (for the history).
pub struct Upload<'a> {
    /// The CSV as sent (gzip already inflated).
    pub csv: &'a [u8],
    /// The checked `Idempotency-Key`.
    pub idempotency: &'a crate::idempotency::Key,
    /// The file's name as kept ([`file_name`]).
    pub file_name: Option<String>,
}

/// Starts an import under its idempotency key: a replay or conflict is
/// answered from the stored key; otherwise the file is checked, the hourly
/// limit consulted (files refused before anything is applied use none of
/// it), the record, its first errors, the error file and the key committed
/// together and durably, and the evaluatees applied until `deadline`.
pub fn start(
    store: &impl Backend,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    upload: Upload<'_>,
    deadline: u64,
) -> Result<Started, AppError> {
    let Upload {
        csv,
        idempotency,
        file_name,
    } = upload;
    require_open(period)?;
    if let Some(seen) = seen_before(store, caller, idempotency)? {
        return Ok(seen);
    }
    let started = now();
    let mut prepared = prepare(store, caller, period, sheet, csv)?;
    let errors = std::mem::take(&mut prepared.errors);
    let id = crate::ids::record_id()?;
    let mut record = ImportRecord {
        id: id.clone(),
        period: period.id.clone(),
        sheet: sheet.id.clone(),
        operator: caller.member.id.clone(),
        operator_name: caller.member.name.clone(),
        started_at: started,
        ended_at: None,
        status: ImportStatus::Running,
        counts: Counts::default(),
        error_totals: BTreeMap::new(),
        errors_truncated: false,
        reverted_at: None,
        items: Vec::new(),
        cells: CellTotals::default(),
        file_name,
        stopped_by: None,
    };
    record.summarize_errors(errors.iter().map(|note| note.notice.code()));
    let refused = refused(&prepared);
    if refused.is_none() {
        let recent = recent_imports(store, &caller.tenant, started)?;
        if recent.len() >= IMPORTS_PER_HOUR {
            let next = recent.iter().min().copied().unwrap_or(started) + 3600;
            let wait = next.saturating_sub(started).max(1);
            return Err(AppError::too_many(
                "too_many_imports",
                format!("1時間に開始できるインポートは{IMPORTS_PER_HOUR}件までです。{wait}秒後に再度お試しください。"),
                format!("At most {IMPORTS_PER_HOUR} imports may start in an hour; try again in {wait} seconds."),
                wait,
            )
            .with("limit", IMPORTS_PER_HOUR));
        }
    }
    let to_apply = match refused {
        Some(outcome) => {
            finish_refused(&mut record, prepared, outcome);
            None
        }
        None => Some(prepared),
    };
    // The claim: the key looked up again, and the record, its first
    // errors, the error file (every failed row) and the key committed
    // together and durably before anything is applied. A concurrent
    // request with the same key that claimed it first wins; this one then
    // answers as a retry of it.
    let (key, remembered) = idempotency.record(&id);
    let claimed = store.try_write_evaluations(&caller.tenant, true, |tx| {
        if tx.remembered(key)?.is_some() {
            return Ok(Err(Unclaimed::KeyUsed));
        }
        // The sheet's items, types and permissions as the file was checked
        // against them; an edit since refuses the import (once it runs,
        // edits of the sheet wait for it: `OrganisationEdits::update_sheet`).
        if tx.customize_sheet(&sheet.id)?.as_ref() != Some(sheet) {
            return Ok(Err(Unclaimed::SheetChanged));
        }
        tx.put_import(&record)?;
        if !errors.is_empty() {
            let messages: Vec<String> = errors.iter().map(|e| e.notice.message(Lang::Ja)).collect();
            let located = errors
                .iter()
                .zip(&messages)
                .map(|(e, message)| (e.row, e.column, message.as_str()));
            tx.put_error_file(&id, &sheetlink_engine::evaluation::error_file(csv, located))?;
        }
        tx.put_import_errors(&id, &errors)?;
        tx.remember(key, &remembered).map(Ok)
    })?;
    match claimed {
        Ok(()) => {}
        Err(Unclaimed::KeyUsed) => {
            return seen_before(store, caller, idempotency)?
                .ok_or_else(|| AppError::internal("a claimed key vanished"));
        }
        Err(Unclaimed::SheetChanged) => {
            return Err(AppError::conflict(
                "sheet_changed",
                "ファイルの確認中にシートの設定が変更されました。何も反映していません。もう一度アップロードしてください。",
                "The sheet's settings changed while the file was being checked; nothing was applied. Upload it again.",
            ));
        }
    }
    let record = match to_apply {
        Some(prepared) => apply(store, caller, period, sheet, record, prepared, deadline)?,
        None => record,
    };
    Ok(Started::Applied(ImportAnswer {
        import: record,
        errors: first_errors(&errors),
    }))
}

/// Why an import's claim wrote nothing.
enum Unclaimed {
    /// A concurrent request with the same key claimed it first.
    KeyUsed,
    /// The customize sheet changed since the file was checked.
    SheetChanged,
}

/// What `idempotency` says of an import before it runs: the stored answer
/// of a replay (a running import answers running), a conflict, or `None`
/// (a new key: go ahead). Looked up before the tenant's lock is waited for,
/// and again in the claim's transaction.
pub fn seen_before(
    store: &impl Backend,
    caller: &Caller,
    idempotency: &crate::idempotency::Key,
) -> Result<Option<Started>, AppError> {
    Ok(match idempotency.look_up(store)? {
        crate::idempotency::Seen::New => None,
        crate::idempotency::Seen::Conflict => Some(Started::Conflict),
        crate::idempotency::Seen::Replay(id) => {
            // Only to a caller who may see that import; anyone else learns
            // nothing of it (the same answer as another file).
            Some(match visible_import(store, caller, &id) {
                Ok(import) => {
                    let errors = first_errors(&store.import_errors(&caller.tenant, &id)?);
                    Started::Replayed(ImportAnswer { import, errors })
                }
                Err(_) => Started::Conflict,
            })
        }
    })
}

/// The import `id`, if the caller may see its details (and revert it):
/// evaluation admins and the import's own operator.
pub fn visible_import(
    store: &impl Evaluations,
    caller: &Caller,
    id: &str,
) -> Result<ImportRecord, AppError> {
    let record = store.import(&caller.tenant, id)?.ok_or_else(|| {
        AppError::not_found(
            "unknown_import",
            "このインポートは見つかりません。履歴から選び直してください。",
            "No such import. Pick it again from the history.",
        )
    })?;
    if !may_open(caller, &record) {
        return Err(AppError::forbidden(
            "not_your_import",
            "このインポートの詳細は、評価管理者と、実行した本人（今もインポートできる場合）だけが見られます。",
            "Only evaluation admins and the import's own operator (while still allowed to import) may see its details.",
        ));
    }
    Ok(record)
}

/// The error file of the import `id` (the rows that failed, with an error
/// column), for a caller who may see the import: its file name and bytes.
pub fn error_file(
    store: &impl Evaluations,
    caller: &Caller,
    id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let record = visible_import(store, caller, id)?;
    let bytes = store.error_file(&caller.tenant, id)?.ok_or_else(|| {
        AppError::not_found(
            "no_error_file",
            "このインポートにはエラーがないため、エラーファイルはありません。",
            "This import had no errors, so it has no error file.",
        )
    })?;
    Ok((format!("errors_{}.csv", record.id), bytes))
}

/// The checked input of an import: the engine's outcome plus, per valid
/// evaluatee, the member and sheet it applies to.
pub struct Prepared {
    /// File-level and cell errors, then server-side ones.
    pub errors: Vec<Note>,
    /// Rows the engine read.
    pub rows_in: u32,
    /// Rows that failed (engine or server).
    pub failed: u32,
    /// Whether the engine aborted (50 errored evaluatees).
    pub aborted: bool,
    /// Whether the file as a whole was refused.
    pub rejected: bool,
    /// Evaluatees to apply.
    pub targets: Vec<Target>,
    /// The file's item ids (the cells of every target, in order).
    pub items: Vec<String>,
    /// The engine's validated changes, which targets point into.
    pub batch: Batch,
}

impl Prepared {
    /// The validated changes of a target.
    fn changes_of(&self, target: &Target) -> Result<EvaluateeChanges<'_>, AppError> {
        self.batch
            .evaluatee(target.evaluatee)
            .ok_or_else(|| AppError::internal("target outside the batch"))
    }
}

/// One evaluatee to apply.
pub struct Target {
    /// File row.
    pub row: u32,
    /// Key as written.
    pub key: String,
    /// Member id.
    pub member: String,
    /// Member name, for the plan.
    pub name: String,
    /// Position of its changes in [`Prepared::batch`].
    pub evaluatee: usize,
}

/// Validates `csv` natively and checks every evaluatee against the caller.
pub fn prepare(
    store: &impl Organisation,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    csv: &[u8],
) -> Result<Prepared, AppError> {
    let writable = writable_items(&caller.member, sheet);
    let schema = SheetSchema {
        period: period.id.clone(),
        sheet: sheet.id.clone(),
        items: writable
            .iter()
            .filter_map(|item| item.importable.clone())
            .collect(),
        evaluatees: None,
    };
    let (report, batch) = validate(&schema, csv);
    let mut errors: Vec<Note> = report.diagnostics.iter().map(Note::of).collect();
    let mut failed = report.with_errors;
    let mut aborted = report.status == Status::Aborted;
    if report.status == Status::Rejected {
        return Ok(Prepared {
            errors,
            rows_in: 0,
            failed: 0,
            aborted: false,
            rejected: true,
            targets: Vec::new(),
            items: Vec::new(),
            batch: Batch::default(),
        });
    }

    let members: HashMap<String, Member> = store
        .members(&caller.tenant)?
        .into_iter()
        .filter_map(|member| {
            let key = sheetlink_engine::evaluation::matching_key(member.evaluatee_key()?);
            Some((key.into_owned(), member))
        })
        .collect();
    let items: Vec<&SheetItem> = batch
        .items()
        .iter()
        .filter_map(|id| writable.iter().copied().find(|item| item.id() == id))
        .collect();
    let mut targets = Vec::with_capacity(batch.len());
    // Every evaluatee's sheet from one read snapshot.
    store.with_user_sheets(&caller.tenant, &period.id, &sheet.id, |user_sheets| {
        for (position, evaluatee) in batch.evaluatees().enumerate() {
            let row = evaluatee.row;
            // Out of the caller's scope reads exactly like unknown: a leader must
            // not learn which employee numbers exist elsewhere.
            let Some(member) = members
                .get(&*sheetlink_engine::evaluation::matching_key(evaluatee.key))
                .filter(|member| in_scope(&caller.member, period, member))
            else {
                errors.push(evaluatee_error(
                    row,
                    Notice::EvaluateeUnknown {
                        key: evaluatee.key.to_owned(),
                    },
                ));
                failed += 1;
                // Evaluatees the server refuses count towards the abort like the
                // engine's: 50 errored evaluatees of any kind abort the import
                // (which then applies nothing, so every row is still listed).
                aborted |= failed >= MAX_ERRORED_EVALUATEES;
                continue;
            };
            let mut status = None;
            user_sheets.visit(&member.id, &mut |stored| {
                status = stored.and_then(SheetView::parse).map(|view| view.status);
                Ok(())
            })?;
            if !status
                .is_some_and(|status| may_write(&caller.member, period, member, status, &items))
            {
                errors.push(evaluatee_error(row, Notice::EvaluateeForbidden));
                failed += 1;
                // Evaluatees the server refuses count towards the abort like the
                // engine's: 50 errored evaluatees of any kind abort the import
                // (which then applies nothing, so every row is still listed).
                aborted |= failed >= MAX_ERRORED_EVALUATEES;
                continue;
            }
            targets.push(Target {
                row,
                key: evaluatee.key.to_owned(),
                member: member.id.clone(),
                name: member.name.clone(),
                evaluatee: position,
            });
        }
        Ok(())
    })?;
    errors.sort_by_key(|e| (e.row, e.column));
    Ok(Prepared {
        errors,
        rows_in: report.evaluatees,
        failed,
        aborted,
        rejected: false,
        targets,
        items: batch.items().to_vec(),
        batch,
    })
}

/// One cell that an evaluatee's changes alter, borrowed from the batch
/// (`new`) and the stored sheet (`old`): nothing is allocated per cell.
struct Diff<'b, 's> {
    item: &'b str,
    old: Option<&'s str>,
    new: Option<&'b str>,
}

impl Diff<'_, '_> {
    fn action(&self) -> CellAction {
        match (self.old, self.new) {
            (None, _) => CellAction::Create,
            (Some(_), Some(_)) => CellAction::Update,
            (Some(_), None) => CellAction::Delete,
        }
    }
}

/// What an evaluatee's changes do to its stored sheet: the altered cells,
/// how many stay as they are, and the outcome (`created` when none of the
/// file's items had a value before, `updated`, or `unchanged`).
fn diff<'b, 's>(
    changes: EvaluateeChanges<'b>,
    stored: &SheetView<'s>,
) -> (Vec<Diff<'b, 's>>, u32, Outcome) {
    let mut diffs = Vec::new();
    let mut unchanged = 0;
    let mut any_stored = false;
    for (item, change) in changes.changes() {
        let old = stored.get(item);
        any_stored |= old.is_some();
        let new = match change {
            Change::Set(value) => Some(value),
            Change::Clear => None,
        };
        if old == new {
            unchanged += 1;
        } else {
            diffs.push(Diff { item, old, new });
        }
    }
    let outcome = match (diffs.is_empty(), any_stored) {
        (true, _) => Outcome::Unchanged,
        (false, false) => Outcome::Created,
        (false, true) => Outcome::Updated,
    };
    (diffs, unchanged, outcome)
}

/// The stored sheet with `diffs` applied, encoded: a merge of two lists
/// sorted by item id.
fn merged(stored: &SheetView<'_>, diffs: &[Diff<'_, '_>]) -> Vec<u8> {
    let mut updates: Vec<(&str, Option<&str>)> = diffs.iter().map(|d| (d.item, d.new)).collect();
    updates.sort_unstable_by_key(|(item, _)| *item);
    let mut values: Vec<(&str, &str)> = Vec::with_capacity(stored.values.len() + updates.len());
    let (mut old, mut new) = (stored.values.iter().peekable(), updates.iter().peekable());
    loop {
        let next_old = old.peek().map(|(item, _)| *item);
        let next_new = new.peek().map(|(item, _)| *item);
        match (next_old, next_new) {
            (None, None) => break,
            (Some(a), Some(b)) if a < b => values.extend(old.next().copied()),
            (Some(_), None) => values.extend(old.next().copied()),
            (Some(a), Some(b)) => {
                if a == b {
                    old.next();
                }
                if let Some((item, Some(value))) = new.next() {
                    values.push((item, value));
                }
            }
            (None, Some(_)) => {
                if let Some((item, Some(value))) = new.next() {
                    values.push((item, value));
                }
            }
        }
    }
    encode_sheet(stored.status, values.iter().copied(), values.len())
}

fn final_status(counts: &Counts, prepared: &Prepared) -> ImportStatus {
    let applied = counts.created + counts.updated + counts.unchanged;
    if prepared.aborted {
        ImportStatus::Aborted
    } else if prepared.rejected || (counts.failed > 0 && applied == 0) {
        ImportStatus::AllFailed
    } else if counts.failed > 0 {
        ImportStatus::CompletedWithErrors
    } else {
        ImportStatus::Completed
    }
}

/// How an import ends that applies nothing at all (the file refused as a
/// whole, aborted, or every evaluatee failed), or `None` when it has
/// evaluatees to apply. Such an import is recorded but does not count
/// towards the hourly limit.
pub fn refused(prepared: &Prepared) -> Option<ImportStatus> {
    if !(prepared.rejected || prepared.aborted || prepared.targets.is_empty()) {
        return None;
    }
    let counts = Counts {
        failed: prepared.failed,
        ..Counts::default()
    };
    Some(final_status(&counts, prepared))
}

/// The one place a finished import's or run's counts are checked against
/// the reconciliation (rows in = created + updated + unchanged + skipped +
/// failed): a mismatch is a bug — debug builds (every test) stop on it, a
/// release build logs it.
pub fn check_reconciled(what: &str, id: &str, counts: &Counts) {
    debug_assert!(counts.adds_up(), "{what} {id}: {counts:?} do not add up");
    if !counts.adds_up() {
        tracing::error!(what, id, ?counts, "counts do not add up");
    }
}

/// Ends `record` as [`refused`] said, without applying anything.
pub fn finish_refused(record: &mut ImportRecord, prepared: Prepared, status: ImportStatus) {
    record.counts = Counts {
        rows_in: prepared.rows_in,
        failed: prepared.failed,
        skipped: prepared.rows_in.saturating_sub(prepared.failed),
        ..Counts::default()
    };
    record.status = status;
    record.items = prepared.items;
    record.ended_at = Some(now());
    check_reconciled("import", &record.id, &record.counts);
}

/// Whether an import counts towards the tenant's hourly limit: every one
/// that had something to apply.
pub fn uses_quota(record: &ImportRecord) -> bool {
    !matches!(
        record.status,
        ImportStatus::AllFailed | ImportStatus::Aborted
    )
}

/// The start times of the tenant's imports in the hour before `now` that
/// count towards the hourly limit.
///
/// Records are read newest first (ids sort by start) and the scan stops at
/// the first one older than an hour: the count costs the last hour's
/// imports, not the whole history, and never reads stored errors.
pub fn recent_imports(
    store: &impl Evaluations,
    tenant: &str,
    now: u64,
) -> Result<Vec<u64>, AppError> {
    let mut recent = Vec::new();
    store.imports_newest_first(tenant, &mut |record| {
        if record.started_at + 3600 <= now {
            return false;
        }
        if uses_quota(&record) {
            recent.push(record.started_at);
        }
        true
    })?;
    Ok(recent)
}

/// Reads each target's stored sheet from one read snapshot, in file order,
/// and hands `visit` the target, its diff and outcome; stops when `visit`
/// returns `false`.
fn visit_diffs(
    store: &impl Organisation,
    tenant: &str,
    period: &Period,
    sheet: &CustomizeSheet,
    prepared: &Prepared,
    targets: &[Target],
    mut visit: impl FnMut(&Target, &[Diff<'_, '_>], u32, Outcome) -> bool,
) -> Result<(), AppError> {
    store.with_user_sheets(tenant, &period.id, &sheet.id, |user_sheets| {
        let mut going = true;
        for target in targets {
            user_sheets.visit(&target.member, &mut |stored| {
                let view = SheetView::parse(stored.unwrap_or_default()).ok_or_else(|| {
                    AppError::internal(format!("corrupt user sheet of {}", target.member))
                })?;
                let (diffs, unchanged, outcome) = diff(prepared.changes_of(target)?, &view);
                going = visit(target, &diffs, unchanged, outcome);
                Ok(())
            })?;
            if !going {
                break;
            }
        }
        Ok(())
    })
}

/// Plans without writing: every total (overall, per evaluatee, per item)
/// and the first page of changed cells. `id` names the plan for its pages.
pub fn dry_run(
    store: &impl Organisation,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    prepared: &Prepared,
    id: String,
) -> Result<DryRun, AppError> {
    let mut counts = Counts {
        rows_in: prepared.rows_in,
        failed: prepared.failed,
        ..Counts::default()
    };
    let mut cells = CellTotals::default();
    let mut evaluatees = EvaluateeTotals::default();
    let item_position: HashMap<&str, usize> = prepared
        .items
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut items: Vec<CellTotals> = vec![CellTotals::default(); prepared.items.len()];
    if prepared.aborted {
        counts.skipped = prepared.targets.len() as u32;
    } else {
        visit_diffs(
            store,
            &caller.tenant,
            period,
            sheet,
            prepared,
            &prepared.targets,
            |target, diffs, unchanged, outcome| {
                let mut own = CellTotals {
                    unchanged,
                    ..CellTotals::default()
                };
                for d in diffs {
                    own.count(d.action());
                    if let Some(&i) = item_position.get(d.item) {
                        items[i].count(d.action());
                    }
                }
                cells.create += own.create;
                cells.update += own.update;
                cells.delete += own.delete;
                cells.unchanged += unchanged;
                counts.count(outcome);
                evaluatees.row.push(target.row);
                evaluatees.key.push(target.key.clone());
                evaluatees.outcome.push(outcome);
                evaluatees.create.push(own.create);
                evaluatees.update.push(own.update);
                evaluatees.delete.push(own.delete);
                evaluatees.unchanged.push(unchanged);
                true
            },
        )?;
    }
    // Every evaluatee carries every item of the file, so an item's unchanged
    // cells are the evaluatees less its changed ones.
    let applied = evaluatees.row.len() as u32;
    let items = prepared
        .items
        .iter()
        .zip(items)
        .map(|(item, mut totals)| {
            totals.unchanged = applied - totals.create - totals.update - totals.delete;
            ItemTotals {
                item: item.clone(),
                cells: totals,
            }
        })
        .collect();
    let changes = if prepared.aborted {
        ChangesPage::default()
    } else {
        changes_page(
            store,
            &caller.tenant,
            period,
            sheet,
            prepared,
            PageFrom::After(0),
        )?
    };
    let status = final_status(&counts, prepared);
    Ok(DryRun {
        id,
        status,
        counts,
        cells,
        evaluatees,
        items,
        errors: first_errors(&prepared.errors),
        error_totals: sheetlink_protocol::evaluation::error_totals(
            prepared.errors.iter().map(|note| note.notice.code()),
        ),
        errors_truncated: prepared.errors.len() > MAX_STORED_ERRORS,
        changes,
    })
}

/// Where a page of changed cells starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFrom {
    /// With the first evaluatee whose row is after this one.
    After(u32),
    /// The one evaluatee of this row only.
    Row(u32),
}

/// A page of the changed cells of a plan: whole evaluatees from `from`,
/// about [`CHANGES_PAGE_BYTES`] of cells (at least one evaluatee).
pub fn changes_page(
    store: &impl Organisation,
    tenant: &str,
    period: &Period,
    sheet: &CustomizeSheet,
    prepared: &Prepared,
    from: PageFrom,
) -> Result<ChangesPage, AppError> {
    let targets = &prepared.targets;
    let first = match from {
        PageFrom::After(row) | PageFrom::Row(row) => {
            let after = matches!(from, PageFrom::After(_));
            targets.partition_point(|t| if after { t.row <= row } else { t.row < row })
        }
    };
    let targets = match from {
        PageFrom::Row(row) => {
            let end = (first + 1).min(targets.len());
            let one = &targets[first..end];
            if one.first().is_some_and(|t| t.row == row) {
                one
            } else {
                &[]
            }
        }
        PageFrom::After(_) => &targets[first..],
    };
    let mut page = ChangesPage::default();
    let mut bytes = 0;
    let mut last = None;
    visit_diffs(
        store,
        tenant,
        period,
        sheet,
        prepared,
        targets,
        |target, diffs, unchanged, outcome| {
            if bytes >= CHANGES_PAGE_BYTES {
                page.next_after = last;
                return false;
            }
            last = Some(target.row);
            if diffs.is_empty() {
                return true;
            }
            let changes: Vec<CellChange> = diffs
                .iter()
                .map(|d| {
                    // About what the cell costs as JSON.
                    bytes +=
                        48 + d.item.len() + d.old.map_or(4, str::len) + d.new.map_or(4, str::len);
                    CellChange {
                        item: d.item.to_owned(),
                        action: d.action(),
                        old: d.old.map(str::to_owned),
                        new: d.new.map(str::to_owned),
                    }
                })
                .collect();
            page.evaluatees.push(EvaluateePlan {
                row: target.row,
                key: target.key.clone(),
                name: target.name.clone(),
                outcome,
                changes,
                unchanged_cells: unchanged,
            });
            true
        },
    )?;
    Ok(page)
}

/// Applies each target in its own write transaction (all of an evaluatee's
/// cells or none), recording progress and the changed cells in the same
/// transaction. Per-evaluatee commits are not flushed one by one; the final
/// record is committed durably, which persists everything before it, so
/// after a crash the data and the progress record still agree.
pub fn apply(
    store: &impl Evaluations,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    mut record: ImportRecord,
    prepared: Prepared,
    deadline: u64,
) -> Result<ImportRecord, AppError> {
    let tenant = caller.tenant.as_str();
    let mut progress = Progress {
        done: 0,
        total: prepared.targets.len() as u32,
        counts: Counts {
            rows_in: prepared.rows_in,
            failed: prepared.failed,
            ..Counts::default()
        },
        cells: CellTotals::default(),
    };
    // The running record learns the item ids first, durably: the change log
    // refers to items by their position in it.
    record.items = prepared.items.clone();
    if let Err(error) = store.write_evaluations(tenant, true, |tx| tx.put_import(&record)) {
        return Err(stop(store, tenant, record, progress, error));
    }
    let item_index: HashMap<&str, usize> = record
        .items
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let items: Vec<&SheetItem> = prepared
        .items
        .iter()
        .filter_map(|id| sheet.items.iter().find(|item| item.id() == id))
        .collect();
    // Evaluatees refused in their own transaction (see `still_writable`).
    let mut late_errors: Vec<Note> = Vec::new();
    let mut timed_out = false;
    let mut last_durable = std::time::Instant::now();
    if prepared.aborted {
        progress.counts.skipped = progress.total;
    } else {
        for (index, target) in prepared.targets.iter().enumerate() {
            if now() >= deadline {
                timed_out = true;
                progress.counts.skipped = progress.total - index as u32;
                break;
            }
            // Flushing each evaluatee would cost a disk sync each; every
            // 256th commit (and any after 200 ms) is durable, and persists
            // the ones before it together with their progress record.
            let durable = index % 256 == 255
                || last_durable.elapsed() > std::time::Duration::from_millis(200);
            if durable {
                last_durable = std::time::Instant::now();
            }
            // The progress is taken only once its transaction committed: a
            // failed one leaves it as the data is.
            let written = store.write_evaluations(tenant, durable, |tx| {
                let mut next = progress;
                let member = target.member.as_str();
                let Some(bytes) = tx.user_sheet(&period.id, &sheet.id, member)? else {
                    return Err(AppError::internal(format!(
                        "the user sheet of {member} vanished"
                    )));
                };
                let stored = SheetView::parse(&bytes)
                    .ok_or_else(|| AppError::internal(format!("corrupt user sheet of {member}")))?;
                // Checked again as this transaction sees it: the sheet's
                // status, the caller's roles and scope, the evaluatee's
                // groups may have moved since the file was checked.
                if !still_writable(tx, caller, period, member, stored.status, &items)? {
                    next.counts.count(Outcome::Failed);
                    next.done += 1;
                    tx.put_progress(&record.id, &next)?;
                    return Ok((
                        next,
                        Some(evaluatee_error(target.row, Notice::EvaluateeForbidden)),
                    ));
                }
                let (diffs, _, outcome) = diff(prepared.changes_of(target)?, &stored);
                for d in &diffs {
                    next.cells.count(d.action());
                }
                if !diffs.is_empty() {
                    tx.put_user_sheet(&period.id, &sheet.id, member, &merged(&stored, &diffs))?;
                    tx.put_changes(&record.id, member, &encode_changes(&diffs, &item_index))?;
                }
                next.counts.count(outcome);
                next.done += 1;
                tx.put_progress(&record.id, &next)?;
                Ok((next, None))
            });
            match written {
                Ok((next, refused)) => {
                    progress = next;
                    late_errors.extend(refused);
                }
                Err(error) => return Err(stop(store, tenant, record, progress, error)),
            }
        }
    }
    record.counts = progress.counts;
    record.cells = progress.cells;
    record.status = if timed_out {
        ImportStatus::TimedOut
    } else {
        final_status(&progress.counts, &prepared)
    };
    record.ended_at = Some(now());
    check_reconciled("import", &record.id, &record.counts);
    let late = if late_errors.is_empty() {
        None
    } else {
        for note in &late_errors {
            *record
                .error_totals
                .entry(note.notice.code().to_owned())
                .or_default() += 1;
        }
        match store.import_errors(tenant, &record.id) {
            Ok(mut errors) => {
                errors.extend(late_errors);
                errors.sort_by_key(|e| (e.row, e.column));
                Some(errors)
            }
            Err(error) => return Err(stop(store, tenant, record, progress, error)),
        }
    };
    let ended = store.write_evaluations(tenant, true, |tx| {
        if let Some(errors) = &late {
            tx.put_import_errors(&record.id, errors)?;
        }
        tx.put_import(&record)
    });
    if let Err(error) = ended {
        return Err(stop(store, tenant, record, progress, error));
    }
    Ok(record)
}

/// Whether `caller` may still write `items` of `member`'s sheet in
/// `status`, by the caller's roles and scope and the evaluatee's groups as
/// the transaction `tx` sees them (a leader demoted, an evaluatee moved to
/// another group, or a sheet moved on since the file was checked is not
/// written past).
fn still_writable(
    tx: &mut dyn crate::store::EvaluationTx,
    caller: &Caller,
    period: &Period,
    member: &str,
    status: crate::model::SheetStatus,
    items: &[&SheetItem],
) -> Result<bool, AppError> {
    let Some(caller_now) = tx.member(&caller.member.id)?.filter(|m| m.active) else {
        return Ok(false);
    };
    let Some(evaluatee) = tx.member(member)? else {
        return Ok(false);
    };
    Ok(may_write(&caller_now, period, &evaluatee, status, items))
}

/// Ends an import whose apply met `error` at once as `interrupted`, with the
/// counts and cells its committed progress shows and the error's code, and
/// gives the error back (the evaluatees before it stay applied, each in its
/// own transaction; the history says so instead of `running` until the next
/// start).
fn stop(
    store: &impl Evaluations,
    tenant: &str,
    mut record: ImportRecord,
    progress: Progress,
    error: AppError,
) -> AppError {
    record.counts = progress.counts;
    record.counts.skipped += progress.total.saturating_sub(progress.done);
    record.cells = progress.cells;
    record.status = ImportStatus::Interrupted;
    record.ended_at = Some(now());
    record.stopped_by = Some(error.body().1.error);
    if let Err(failed) = store.write_evaluations(tenant, true, |tx| tx.put_import(&record)) {
        tracing::error!(import = %record.id, error = %failed, "could not mark the import interrupted");
    }
    error
}

/// Marks imports left `running` by a stopped server as interrupted, with
/// the counts and cells their progress record (committed with the data)
/// shows.
pub fn recover_interrupted(store: &impl Evaluations) -> Result<usize, AppError> {
    let running = store.running_imports()?;
    for (tenant, mut record) in running.iter().cloned() {
        let done = store
            .import_progress(&tenant, &record.id)?
            .unwrap_or_default();
        record.counts = done.counts;
        record.counts.skipped = done.total.saturating_sub(done.done);
        record.cells = done.cells;
        record.status = ImportStatus::Interrupted;
        record.ended_at = Some(now());
        store.write_evaluations(&tenant, true, |tx| tx.put_import(&record))?;
    }
    Ok(running.len())
}

/// Why an import cannot be reverted.
#[derive(Debug)]
pub enum RevertRefusal {
    /// Still running, or already reverted.
    NotRevertible(&'static str, &'static str),
    /// Later changes touched cells of the import.
    Conflicts(Vec<RevertConflict>),
    /// The caller may no longer write these cells (the evaluatee left their
    /// scope, the sheet's status moved on, the item's permission changed).
    Forbidden(Vec<RevertConflict>),
}

/// Reverts the import `id` for the caller: it must see the import, its
/// period must be open and its sheet still exist; then [`revert`].
pub fn revert_import(
    store: &(impl Evaluations + Organisation),
    caller: &Caller,
    id: &str,
) -> Result<sheetlink_protocol::evaluation::Reverted, AppError> {
    let mut record = visible_import(store, caller, id)?;
    let period = store
        .period(&caller.tenant, &record.period)?
        .ok_or_else(crate::sheets::no_period)?;
    if !period.open {
        return Err(AppError::forbidden(
            "period_closed",
            "この評価期間は締め切られているため、変更できません。",
            "This evaluation period is closed and cannot be changed.",
        ));
    }
    let sheet = store.sheet(&caller.tenant, &record.sheet)?.ok_or_else(|| {
        AppError::not_found(
            "unknown_sheet",
            "このインポートのシートはもうありません。",
            "The sheet of this import no longer exists.",
        )
    })?;
    let restored = revert(store, caller, &period, &sheet, &mut record)?.map_err(AppError::from)?;
    let errors = first_errors(&store.import_errors(&caller.tenant, &record.id)?);
    Ok(sheetlink_protocol::evaluation::Reverted {
        restored_cells: restored,
        import: ImportAnswer {
            import: record,
            errors,
        },
    })
}

impl From<RevertRefusal> for AppError {
    fn from(refusal: RevertRefusal) -> Self {
        match refusal {
            RevertRefusal::NotRevertible(ja, en) => AppError::conflict("not_revertible", ja, en),
            RevertRefusal::Forbidden(cells) => AppError::forbidden(
                "revert_forbidden",
                "現在は記入権限のないセルがあるため、元に戻せません（担当範囲外、またはシートのステータスが変わりました）。",
                "You may no longer write some of the cells, so the import cannot be reverted.",
            )
            .with("cells", cells),
            RevertRefusal::Conflicts(conflicts) => AppError::conflict(
                "changed_since",
                "後から変更されたセルがあるため、元に戻せません。一覧のセルを確認してください。",
                "Some cells changed after the import, so it cannot be reverted. Check the cells listed.",
            )
            .with("conflicts", conflicts),
        }
    }
}

/// Restores every cell an import changed to its previous value, in one
/// transaction: all of them or, when a later change touched any of them,
/// none (and the conflicts are returned).
pub fn revert(
    store: &impl Evaluations,
    caller: &Caller,
    period: &Period,
    sheet: &CustomizeSheet,
    record: &mut ImportRecord,
) -> Result<Result<u32, RevertRefusal>, AppError> {
    let tenant = caller.tenant.as_str();
    if record.status == ImportStatus::Running {
        return Ok(Err(RevertRefusal::NotRevertible(
            "このインポートはまだ実行中です。終わってから元に戻してください。",
            "The import is still running; revert it once it has ended.",
        )));
    }
    if record.reverted_at.is_some() {
        return Ok(Err(RevertRefusal::NotRevertible(
            "このインポートは既に元に戻されています。",
            "The import was already reverted.",
        )));
    }
    let changed = read_change_log(store, tenant, &record.id, &record.items)?;
    let reverted_at = now();
    let restored = store.try_write_evaluations(tenant, true, |tx| {
        let mut conflicts = Vec::new();
        let mut forbidden = Vec::new();
        let mut restored = 0;
        for (member, cells) in &changed {
            let mut user_sheet = match tx.user_sheet(&record.period, &record.sheet, member)? {
                Some(bytes) => UserSheet::decode(&bytes)
                    .ok_or_else(|| AppError::internal(format!("corrupt user sheet of {member}")))?,
                None => continue,
            };
            // Like an import: the caller must still be allowed to write
            // every cell the revert restores, now.
            let evaluatee = tx.member(member)?;
            let member_name = evaluatee
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default();
            for cell in cells {
                let item = sheet.items.iter().find(|item| item.id() == cell.item);
                let writable = evaluatee.as_ref().is_some_and(|evaluatee| {
                    item.is_some_and(|item| {
                        item.importable.is_some()
                            && may_write(
                                &caller.member,
                                period,
                                evaluatee,
                                user_sheet.status,
                                &[item],
                            )
                    })
                });
                let now_value = user_sheet.values.get(&cell.item).cloned();
                let refused = RevertConflict {
                    member: member.clone(),
                    member_name: member_name.clone(),
                    item: cell.item.clone(),
                    imported: cell.new.clone(),
                    now: now_value.clone(),
                };
                if !writable {
                    forbidden.push(refused);
                    continue;
                }
                if now_value != cell.new {
                    conflicts.push(refused);
                    continue;
                }
                match &cell.old {
                    Some(old) => user_sheet.values.insert(cell.item.clone(), old.clone()),
                    None => user_sheet.values.remove(&cell.item),
                };
                restored += 1;
            }
            tx.put_user_sheet(&record.period, &record.sheet, member, &user_sheet.encode())?;
        }
        if !forbidden.is_empty() {
            return Ok(Err(RevertRefusal::Forbidden(forbidden)));
        }
        if !conflicts.is_empty() {
            return Ok(Err(RevertRefusal::Conflicts(conflicts)));
        }
        let mut reverted = record.clone();
        reverted.reverted_at = Some(reverted_at);
        tx.put_import(&reverted)?;
        Ok(Ok(restored))
    })?;
    if restored.is_ok() {
        record.reverted_at = Some(reverted_at);
    }
    Ok(restored)
}

/// [`CellChange`] as read back from the database.
#[derive(Debug, Clone, Deserialize)]
pub struct CellChangeOwned {
    /// Item id.
    pub item: String,
    /// Value before the import.
    pub old: Option<String>,
    /// Value the import wrote.
    pub new: Option<String>,
}

/// Members an import-changes page holds at most.
const CHANGES_PAGE_MEMBERS: usize = 100;

/// A page of the cells an applied import changed, by member id after
/// `after`: at most [`CHANGES_PAGE_MEMBERS`] members or about
/// [`CHANGES_PAGE_BYTES`] of values, whichever comes first (one member
/// always fits).
pub fn changes(
    store: &(impl Evaluations + Organisation),
    caller: &Caller,
    id: &str,
    after: Option<&str>,
) -> Result<ImportChanges, AppError> {
    let record = visible_import(store, caller, id)?;
    // Only this page of the log is read (the store walks it in member
    // order from `after`), however large the import.
    let (log, more) = store.change_log_page(
        &caller.tenant,
        id,
        after,
        CHANGES_PAGE_MEMBERS,
        CHANGES_PAGE_BYTES,
    )?;
    let next_after = more
        .then(|| log.last().map(|(member, _)| member.clone()))
        .flatten();
    let mut evaluatees = Vec::new();
    for (member, encoded) in &log {
        let cells = decode_changes(encoded, &record.items)
            .ok_or_else(|| AppError::internal("corrupt change log"))?;
        let name = store
            .member(&caller.tenant, member)?
            .map(|m| m.name)
            .unwrap_or_default();
        evaluatees.push(ChangedEvaluatee {
            member: member.clone(),
            name,
            changes: cells
                .into_iter()
                .map(|cell| CellChange {
                    action: match (&cell.old, &cell.new) {
                        (None, _) => CellAction::Create,
                        (_, None) => CellAction::Delete,
                        _ => CellAction::Update,
                    },
                    item: cell.item,
                    old: cell.old,
                    new: cell.new,
                })
                .collect(),
        });
    }
    Ok(ImportChanges {
        evaluatees,
        next_after,
    })
}

/// The change log of an import: per member, the cells it changed.
fn read_change_log(
    store: &impl Evaluations,
    tenant: &str,
    id: &str,
    items: &[String],
) -> Result<Vec<(String, Vec<CellChangeOwned>)>, AppError> {
    store
        .change_log(tenant, id)?
        .into_iter()
        .map(|(member, bytes)| {
            let cells = decode_changes(&bytes, items)
                .ok_or_else(|| AppError::internal("corrupt change log"))?;
            Ok((member, cells))
        })
        .collect()
}

/// The change log of one evaluatee, compactly: per changed cell the item's
/// position in the import's item list, then the old and the new value, each
/// as LEB128 `length + 1` (0 for none) and the UTF-8 bytes. A 10M-cell import
/// logs about 7 bytes a cell instead of 60 as JSON.
fn encode_changes(changes: &[Diff<'_, '_>], item_index: &HashMap<&str, usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(changes.len() * 8);
    for change in changes {
        put_leb(
            &mut out,
            item_index
                .get(change.item)
                .copied()
                .unwrap_or(usize::MAX >> 8),
        );
        for value in [change.old, change.new] {
            match value {
                Some(text) => {
                    put_leb(&mut out, text.len() + 1);
                    out.extend_from_slice(text.as_bytes());
                }
                None => out.push(0),
            }
        }
    }
    out
}

fn decode_changes(mut bytes: &[u8], items: &[String]) -> Option<Vec<CellChangeOwned>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let item = items.get(take_leb(&mut bytes)?)?.clone();
        let mut values = [None, None];
        for value in &mut values {
            let length = take_leb(&mut bytes)?;
            if length > 0 {
                let (text, rest) = bytes.split_at_checked(length - 1)?;
                *value = Some(String::from_utf8(text.to_vec()).ok()?);
                bytes = rest;
            }
        }
        let [old, new] = values;
        out.push(CellChangeOwned { item, old, new });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_kept_as_people_see_it() {
        let kept = |given: &str| file_name(Some(given)).ok().flatten();
        assert_eq!(kept("評価 1月.csv").as_deref(), Some("評価 1月.csv"));
        assert_eq!(kept("C:\\fakepath\\評価.csv").as_deref(), Some("評価.csv"));
        assert_eq!(kept("/home/a/b.csv").as_deref(), Some("b.csv"));
        assert_eq!(kept("a\u{0}b\nc.csv").as_deref(), Some("abc.csv"));
        assert_eq!(kept("  "), None);
        assert_eq!(file_name(None).ok().flatten(), None);
        assert!(file_name(Some(&"名".repeat(MAX_FILE_NAME_CHARS))).is_ok());
        assert!(file_name(Some(&"名".repeat(MAX_FILE_NAME_CHARS + 1))).is_err());
    }

    #[test]
    fn change_log_round_trips() {
        let items: Vec<String> = ["a", "b", "長い項目"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let index: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let long = "x".repeat(300);
        let changes = [
            Diff {
                item: "a",
                old: None,
                new: Some("1"),
            },
            Diff {
                item: "長い項目",
                old: Some(long.as_str()),
                new: Some("所見\n"),
            },
            Diff {
                item: "b",
                old: Some(""),
                new: None,
            },
        ];
        let decoded = decode_changes(&encode_changes(&changes, &index), &items).expect("decodes");
        let got: Vec<(String, Option<String>, Option<String>)> = decoded
            .into_iter()
            .map(|c| (c.item, c.old, c.new))
            .collect();
        let want: Vec<(String, Option<String>, Option<String>)> = changes
            .iter()
            .map(|c| {
                (
                    c.item.to_owned(),
                    c.old.map(str::to_owned),
                    c.new.map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(got, want);
        assert!(
            decode_changes(&[0x05], &items).is_none(),
            "an item out of range"
        );
        assert!(
            decode_changes(&[0x00, 0x03, b'a'], &items).is_none(),
            "a cut value"
        );
    }
}
