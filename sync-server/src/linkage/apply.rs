//! Applying a mapped import to the stored records, and gathering records for
//! an export. One write transaction per batch: a batch is applied entirely
//! or not at all, together with its history, notifications and list entries.

use std::collections::HashMap;

use sheetlink_engine::linkage::{
    Catalog, Export, FieldChange, ImportMode, MapStatus, MappedRow, OnExisting, RelatedValues,
    Sheet, SheetRecord, export, map_file,
};

use crate::error::AppError;
use crate::idempotency::Key;
use crate::ids::{now, record_id};
use crate::linkage::access::BatchCaller;
use crate::linkage::claim::Claimed;
use crate::linkage::mail::Mail;
use crate::linkage::stored_condition;
use crate::linkage::{
    Counts, Direction, LinkageRun, MAX_ANSWERED_ROWS, Outcome, RowRecord, Run, RunKind, RunStatus,
    Settings, StoredExportCondition, StoredImportCondition, TimelinePost, completion_message,
};
use crate::notice::{Note, Notice};
use crate::store::{ChangedBy, CrmTx, Linkage, Organisation};
use sheetlink_protocol::records::ChangeKind;

/// Who runs a batch and under which settings: what every step of a run
/// needs besides its condition and its file.
#[derive(Clone, Copy)]
pub struct RunContext<'a> {
    /// The tenant.
    pub tenant: &'a str,
    /// Who runs it (`token` or the member's name), for the history.
    pub actor: &'a str,
    /// The CRM sheets.
    pub catalog: &'a Catalog,
    /// The tenant's linkage settings (timeline targets, e-mails).
    pub settings: &'a Settings,
    /// The server's time zone, for the completion message.
    pub offset_minutes: i32,
    /// Who the condition tells besides the settings' targets.
    pub people: &'a People,
    /// Batch (the client) or manual (the import screen).
    pub kind: RunKind,
    /// Whether a manual import's mapping was made on the spot.
    pub on_the_spot: bool,
    /// Rows listed with their result whatever their outcome, for files of
    /// at most this many rows (longer ones list their failed and skipped
    /// rows): [`super::ANSWER_EVERY_ROW`] for a run, [`MAX_ANSWERED_ROWS`] for a
    /// dry run, whose rows are read page by page.
    pub list_every_row: usize,
}

/// Who a run's condition tells besides the settings' targets: members on
/// the timeline, addresses by e-mail.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct People {
    /// Member ids told on the timeline.
    pub members: Vec<String>,
    /// Addresses e-mailed.
    pub emails: Vec<String>,
}

/// Who a condition's after-actions tell: its members, addresses and CRM 社員
/// records.
pub trait Told {
    /// `(members, emails, staff)`.
    fn told(&self) -> (&[String], &[String], &[String]);
}

impl Told for super::AfterImport {
    fn told(&self) -> (&[String], &[String], &[String]) {
        (&self.notify_members, &self.emails, &self.notify_staff)
    }
}

impl Told for super::AfterExport {
    fn told(&self) -> (&[String], &[String], &[String]) {
        (&self.notify_members, &self.emails, &self.notify_staff)
    }
}

/// The people a condition names: its members and addresses, and its CRM
/// 社員 records resolved now — each e-mailed at its メールアドレス, and on
/// the timeline of the active member with that address or its 社員番号 as
/// 従業員番号. A 社員 record deleted since the condition was saved, or
/// without an address, reaches no one (the condition still runs).
pub fn people(
    store: &(impl Linkage + Organisation),
    tenant: &str,
    catalog: &Catalog,
    after: &impl Told,
) -> Result<People, AppError> {
    let (members, emails, staff) = after.told();
    let mut people = People {
        members: members.to_vec(),
        emails: emails.to_vec(),
    };
    let Some(sheet) = catalog
        .sheet(super::STAFF_SHEET)
        .filter(|_| !staff.is_empty())
    else {
        return Ok(people);
    };
    let ids: Vec<&str> = staff.iter().map(String::as_str).collect();
    let records = store.records_by_id(tenant, sheet, &ids)?;
    let value = |record: &SheetRecord, field: &str| {
        sheet
            .field_index(field)
            .and_then(|at| record.values.get(at)?.clone())
            .filter(|v| !v.is_empty())
    };
    let everyone = store.members(tenant)?;
    for record in &records {
        let email = value(record, super::STAFF_EMAIL);
        let number = value(record, super::STAFF_NUMBER);
        if let Some(email) = &email
            && !people.emails.iter().any(|e| e.eq_ignore_ascii_case(email))
        {
            people.emails.push(email.clone());
        }
        let member = everyone.iter().find(|m| {
            m.active
                && (email.as_deref().is_some_and(|email| {
                    m.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                }) || number.is_some() && m.employee_number == number)
        });
        if let Some(member) = member
            && !people.members.contains(&member.id)
        {
            people.members.push(member.id.clone());
        }
    }
    Ok(people)
}

/// 404 for a condition whose sheet is not in the catalog.
fn no_sheet() -> AppError {
    AppError::not_found(
        "unknown_sheet",
        "この条件のシートはありません。条件を作り直してください。",
        "The condition's sheet does not exist: create the condition again.",
    )
}

/// A stored condition the engine no longer accepts (the catalog changed).
fn condition_refused(problems: Vec<sheetlink_engine::linkage::ConditionProblem>) -> AppError {
    super::api::condition_problems(problems)
}

/// The next generated id of `sheet` (`C000123` for customers…).
fn next_id(tx: &mut dyn CrmTx, sheet: &Sheet) -> Result<String, AppError> {
    let next = tx.next_number(&sheet.id)?;
    let prefix = sheet.id.chars().next().unwrap_or('R').to_ascii_uppercase();
    Ok(format!("{prefix}{next:06}"))
}

/// What starting a batch import ended in.
pub enum BatchStarted {
    /// Applied (or the file refused as a whole, recorded): the run.
    Applied(LinkageRun),
    /// The key was used before for the same file: the stored run.
    Replayed(LinkageRun),
    /// The key names a run still applying: that run, `running`.
    Running(LinkageRun),
    /// The key was used for another file.
    Conflict,
}

/// A batch import of `csv` under the tenant's import condition `key` for
/// `caller`, claimed as `claimed` (see [`super::claim`]): the file is run
/// by [`run_import`]; a failure ends the run `interrupted` at once.
pub fn start_import(
    store: &(impl Linkage + Organisation),
    caller: &BatchCaller,
    key: &str,
    csv: &[u8],
    claimed: &Claimed,
    idempotency: Option<&Key>,
    offset_minutes: i32,
) -> Result<LinkageRun, AppError> {
    let run = || {
        let stored: StoredImportCondition = stored_condition(store, &caller.tenant, key)?;
        let settings = store.linkage_settings(&caller.tenant)?;
        let catalog = super::catalog::tenant_catalog(store, &caller.tenant)?;
        let people = people(store, &caller.tenant, &catalog, &stored.after)?;
        let context = caller.context(&catalog, &settings, &people, offset_minutes);
        run_import(store, context, &stored, csv, claimed, idempotency)
    };
    run().map_err(|error| super::claim::interrupt(store, &caller.tenant, claimed, error))
}

impl axum::response::IntoResponse for BatchStarted {
    /// The run; a replay marked `Idempotent-Replayed: true`; a conflict 409.
    fn into_response(self) -> axum::response::Response {
        use axum::Json;
        match self {
            BatchStarted::Applied(run) => Json(run).into_response(),
            BatchStarted::Replayed(run) => {
                ([("idempotent-replayed", "true")], Json(run)).into_response()
            }
            // 202: accepted earlier and still applying; the client follows
            // the run by its id.
            BatchStarted::Running(run) => (
                axum::http::StatusCode::ACCEPTED,
                [("idempotent-replayed", "true")],
                Json(run),
            )
                .into_response(),
            BatchStarted::Conflict => crate::idempotency::conflict(),
        }
    }
}

/// A batch export under the tenant's export condition `key` for `caller`:
/// the condition and the file, or 422 listing the first 100 cells Shift_JIS
/// cannot hold (nothing written, nothing recorded).
pub fn start_export(
    store: &(impl Linkage + Organisation),
    caller: &BatchCaller,
    key: &str,
    offset_minutes: i32,
) -> Result<(StoredExportCondition, Export), AppError> {
    let stored: StoredExportCondition = stored_condition(store, &caller.tenant, key)?;
    let settings = store.linkage_settings(&caller.tenant)?;
    let catalog = super::catalog::tenant_catalog(store, &caller.tenant)?;
    let people = people(store, &caller.tenant, &catalog, &stored.after)?;
    let context = caller.context(&catalog, &settings, &people, offset_minutes);
    let written = run_export(store, context, &stored)?;
    if written.refused() {
        let cells: Vec<_> = written
            .unrepresentable
            .iter()
            .take(100)
            .map(|c| {
                serde_json::json!({
                    "record": c.record, "field": c.field, "character": c.character.to_string(),
                })
            })
            .collect();
        let count = written.unrepresentable.len();
        return Err(AppError::refuse(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "unrepresentable",
            format!("Shift_JISで表せない文字が{count}か所あるため出力しませんでした。該当のセルを直すか、出力条件で「?に置き換える」を選んでください。"),
            format!("{count} cells have characters Shift_JIS cannot represent, so nothing was written. Fix those cells, or let the condition replace them with ?."),
        )
        .with("cells", cells));
    }
    Ok((stored, written))
}

/// Relation look-ups of a batch, through the index. Look-ups into another
/// sheet are kept for the batch (a batch writes only its own sheet); those
/// into the batch's own sheet (a parent customer) are made again each time,
/// so a row finds a record an earlier row created.
struct Relations<'a> {
    catalog: &'a Catalog,
    cache: HashMap<(String, String, String), Result<String, Note>>,
}

impl Relations<'_> {
    /// The id of the record `field` (a relation of `sheet`) points at by
    /// `key_field` = `value`.
    fn resolve(
        &mut self,
        tx: &mut dyn CrmTx,
        sheet: &Sheet,
        field: &str,
        key_field: &str,
        value: &str,
    ) -> Result<Result<String, Note>, AppError> {
        // The condition passed the engine's check against this catalog, so
        // a relation without a sheet is a bug, not a row's fault.
        let related = sheet
            .field(field)
            .and_then(|f| f.relation_sheet.as_deref())
            .ok_or_else(|| AppError::internal(format!("{field} is not a relation")))?;
        let cache_key = (related.to_owned(), key_field.to_owned(), value.to_owned());
        if let Some(found) = self.cache.get(&cache_key) {
            return Ok(found.clone());
        }
        let related_sheet = self
            .catalog
            .sheet(related)
            .ok_or_else(|| AppError::internal(format!("unknown sheet {related}")))?;
        // A storage error here aborts the whole batch (nothing is applied);
        // it is never a row's failure.
        let ids = tx.find(related_sheet, key_field, value)?;
        let found = match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Note::at(
                None,
                Notice::RelationNotFound {
                    value: value.to_owned(),
                },
            )),
            many => Err(Note::at(
                None,
                Notice::RelationAmbiguous {
                    value: value.to_owned(),
                    count: many.len(),
                },
            )),
        };
        if related != sheet.id {
            self.cache.insert(cache_key, found.clone());
        }
        Ok(found)
    }
}

/// Runs an import of `bytes` under `stored` for `tenant`: maps the file
/// with the engine, applies each valid row per the condition's mode,
/// duplicate handling, matching and relation keys, and records the run, the
/// timeline post, the e-mails and the list entries — all in one
/// transaction.
pub fn run_import(
    store: &impl Linkage,
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    bytes: &[u8],
    claimed: &Claimed,
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let (sheet, mapping) = mapped(context.catalog, stored, bytes)?;
    if mapping.status == MapStatus::Rejected {
        return refuse_file(
            store,
            context,
            stored,
            sheet,
            &mapping,
            claimed,
            idempotency,
        );
    }
    store.write_crm(context.tenant, |tx| {
        same_catalog(tx, context.catalog)?;
        let (mut run, touched) = apply_rows(tx, context, stored, sheet, &mapping, claimed)?;
        if let Some(list) = &stored.after.add_to_list {
            let entries: Vec<String> = touched
                .iter()
                .map(|id| format!("{}/{id}", sheet.id))
                .collect();
            let not_added = tx.add_to_list(list, &entries)?;
            run.head.not_added_to_list = u32::try_from(not_added).unwrap_or(u32::MAX);
        }
        finish(tx, context, &sheet.name, run, idempotency)
    })
}

/// Refuses (409 `catalog_changed`) to apply in `tx` when the tenant's
/// catalog there is not `catalog`, the one the file was mapped with (an
/// admin saved the CRM fields in between): the run ends interrupted and
/// its file may be sent again.
fn same_catalog(tx: &mut dyn CrmTx, catalog: &Catalog) -> Result<(), AppError> {
    let now = sheetlink_engine::linkage::crm_catalog()
        .with_additions(&tx.catalog_additions()?)
        .map_err(|problems| AppError::internal(format!("{problems:?}")))?;
    if now == *catalog {
        return Ok(());
    }
    Err(AppError::conflict(
        "catalog_changed",
        "ファイルの確認中にCRMの項目が変更されたため、反映しませんでした。同じファイルをもう一度送ってください。",
        "The CRM fields changed while the file was being mapped, so nothing was applied. Send the same file again.",
    ))
}

/// The condition's sheet and the file as the engine maps it.
fn mapped<'c>(
    catalog: &'c Catalog,
    stored: &StoredImportCondition,
    bytes: &[u8],
) -> Result<(&'c Sheet, sheetlink_engine::linkage::Mapping), AppError> {
    let condition = &stored.condition;
    let sheet = catalog.sheet(&condition.sheet).ok_or_else(no_sheet)?;
    let mapping = map_file(condition, catalog, bytes).map_err(condition_refused)?;
    Ok((sheet, mapping))
}

/// What an import of `bytes` under `stored` would do, row by row: the same
/// work as [`run_import`] in a transaction that is never committed, so each
/// row sees the rows before it exactly as applying would. Nothing is
/// written, recorded or told.
pub fn dry_run_import(
    store: &impl Linkage,
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    bytes: &[u8],
) -> Result<Run, AppError> {
    // A dry run is never recorded: its id only names its plan's rows.
    let unrecorded = Claimed::unrecorded(context, stored)?;
    let (sheet, mapping) = mapped(context.catalog, stored, bytes)?;
    if mapping.status == MapStatus::Rejected {
        return Ok(refused_run(context, stored, sheet, &mapping, &unrecorded));
    }
    store.dry_run_crm(context.tenant, |tx| {
        apply_rows(tx, context, stored, sheet, &mapping, &unrecorded).map(|(run, _)| run)
    })
}

/// Applies the mapped rows in `tx`: the run (counts, row results) and the
/// records it created or updated.
fn apply_rows(
    tx: &mut dyn CrmTx,
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    sheet: &Sheet,
    mapping: &sheetlink_engine::linkage::Mapping,
    claimed: &Claimed,
) -> Result<(Run, Vec<String>), AppError> {
    let (run_id, started) = (&claimed.id, claimed.started);
    let RunContext { actor, catalog, .. } = context;
    let condition = &stored.condition;
    let mut counts = Counts {
        rows_in: mapping.rows_read,
        skipped: mapping.skipped,
        failed: mapping.failed,
        ..Counts::default()
    };
    // Files up to ANSWER_EVERY_ROW rows answer every row; longer ones their
    // failed and skipped rows only, the first MAX_ANSWERED_ROWS of them
    // (the counts stay exact): a million-row file must not build a million
    // results.
    let every_row = mapping.rows_read as usize <= context.list_every_row;
    let mut results: Vec<RowRecord> = Vec::new();
    // A failed row's problems, in the order the engine found them.
    let mut failed_rows: HashMap<u32, Vec<Note>> = HashMap::new();
    for diagnostic in &mapping.diagnostics {
        failed_rows
            .entry(diagnostic.row.unwrap_or(0))
            .or_default()
            .push(Note::of(diagnostic));
    }
    let mut touched = Vec::new();
    {
        let mut applier = Applier {
            condition,
            sheet,
            id_index: sheet.fields.iter().position(|f| f.is_id),
            key_indexes: condition
                .matching_keys
                .iter()
                .map(|key| sheet.field_index(key))
                .collect(),
            relations: Relations {
                catalog,
                cache: HashMap::new(),
            },
            changed_by: ChangedBy {
                at: started,
                by: actor,
                run: Some((run_id, &condition.key)),
                row: None,
            },
        };
        for row in &mapping.rows {
            let outcome = applier.apply_row(tx, row)?;
            let result = match outcome {
                Ok((outcome, id)) => {
                    counts.count(outcome);
                    if !every_row {
                        touched.push(id);
                        continue;
                    }
                    touched.push(id.clone());
                    RowRecord {
                        row: row.row,
                        outcome,
                        record: Some(id),
                        notes: Vec::new(),
                    }
                }
                Err(Refusal::Skip(note)) => {
                    counts.skipped += 1;
                    refused(row.row, Outcome::Skipped, vec![note])
                }
                Err(Refusal::Fail(note)) => {
                    counts.failed += 1;
                    refused(row.row, Outcome::Failed, vec![note])
                }
            };
            results.push(result);
        }
    }
    let mut failed: Vec<RowRecord> = failed_rows
        .into_iter()
        .map(|(row, notes)| refused(row, Outcome::Failed, notes))
        .collect();
    results.append(&mut failed);
    results.sort_by_key(|r| r.row);
    let listed_all =
        every_row && !mapping.diagnostics_truncated && results.len() <= MAX_ANSWERED_ROWS;
    results.truncate(MAX_ANSWERED_ROWS);
    crate::imports::check_reconciled("batch import", &condition.key, &counts);
    let status = RunStatus::of(&counts);
    let run = Run {
        head: LinkageRun {
            id: run_id.clone(),
            kind: context.kind,
            on_the_spot: context.on_the_spot,
            direction: Direction::Import,
            key: condition.key.clone(),
            sheet: sheet.id.clone(),
            actor: actor.to_owned(),
            started_at: started,
            ended_at: now(),
            status,
            reason: None,
            reason_en: None,
            counts,
            rows: Vec::new(),
            rows_truncated: !listed_all,
            mail_delayed_until: None,
            not_added_to_list: 0,
        },
        rows: results,
        reason: Vec::new(),
    };
    Ok((run, touched))
}

/// A skipped or failed row.
fn refused(row: u32, outcome: Outcome, notes: Vec<Note>) -> RowRecord {
    RowRecord {
        row,
        outcome,
        record: None,
        notes,
    }
}

/// A file refused as a whole (wrong encoding, a mapped column missing):
/// nothing is applied, and the run ends all failed with the reason, told
/// like any other run.
fn refuse_file(
    store: &impl Linkage,
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    sheet: &Sheet,
    mapping: &sheetlink_engine::linkage::Mapping,
    claimed: &Claimed,
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let run = refused_run(context, stored, sheet, mapping, claimed);
    store.write_crm(context.tenant, |tx| {
        finish(tx, context, &sheet.name, run, idempotency)
    })
}

/// The run of a file refused as a whole: all failed, with the reason.
fn refused_run(
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    sheet: &Sheet,
    mapping: &sheetlink_engine::linkage::Mapping,
    claimed: &Claimed,
) -> Run {
    Run {
        head: LinkageRun {
            id: claimed.id.clone(),
            kind: context.kind,
            on_the_spot: context.on_the_spot,
            direction: Direction::Import,
            key: stored.condition.key.clone(),
            sheet: sheet.id.clone(),
            actor: context.actor.to_owned(),
            started_at: claimed.started,
            ended_at: now(),
            status: RunStatus::AllFailed,
            reason: None,
            reason_en: None,
            counts: Counts::default(),
            rows: Vec::new(),
            rows_truncated: false,
            mail_delayed_until: None,
            not_added_to_list: 0,
        },
        rows: Vec::new(),
        reason: mapping.diagnostics.iter().map(Note::of).collect(),
    }
}

enum Refusal {
    Skip(Note),
    Fail(Note),
}

/// A batch import's state inside its write transaction: where the
/// condition's keys are in the sheet, the relations resolved so far, and
/// who the changes are by. Records are found through the index and written
/// row by row, so each row sees what the rows before it did.
struct Applier<'t> {
    condition: &'t sheetlink_engine::linkage::ImportCondition,
    sheet: &'t Sheet,
    /// The field index of each matching key.
    key_indexes: Vec<Option<usize>>,
    /// The field index of the sheet's id field.
    id_index: Option<usize>,
    relations: Relations<'t>,
    changed_by: ChangedBy<'t>,
}

impl Applier<'_> {
    /// The record whose matching keys are `keys` (as stored), if any; a
    /// refusal when several are.
    fn matching(
        &self,
        tx: &mut dyn CrmTx,
        keys: &[String],
    ) -> Result<Result<Option<SheetRecord>, Refusal>, AppError> {
        let (Some(first_key), Some(first_value)) =
            (self.condition.matching_keys.first(), keys.first())
        else {
            return Ok(Ok(None));
        };
        let mut matches = Vec::new();
        for id in tx.find(self.sheet, first_key, first_value)? {
            let Some(record) = tx.record(self.sheet, &id)? else {
                continue;
            };
            let all_keys = self.key_indexes.iter().zip(keys).all(|(index, key)| {
                let value = match index {
                    Some(index) => record.values[*index].as_deref(),
                    None => Some(record.id.as_str()),
                };
                value == Some(key.as_str())
            });
            if all_keys {
                matches.push(record);
            }
        }
        Ok(match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.pop()),
            count => Err(Refusal::Fail(Note::at(
                None,
                Notice::MatchAmbiguous { count },
            ))),
        })
    }

    /// Applies one mapped row; the inner result is the row's outcome and the
    /// record's id, or why it was skipped or failed.
    fn apply_row(
        &mut self,
        tx: &mut dyn CrmTx,
        row: &MappedRow,
    ) -> Result<Result<(Outcome, String), Refusal>, AppError> {
        let (condition, sheet) = (self.condition, self.sheet);
        // Matching keys as stored: a relation key is stored as the related
        // record's id, so its value is looked up first.
        let mut keys = Vec::with_capacity(row.keys.len());
        for (key, value) in condition.matching_keys.iter().zip(&row.keys) {
            let relation_key = condition.relation_keys.iter().find(|r| &r.field == key);
            match relation_key {
                Some(relation) => {
                    match self
                        .relations
                        .resolve(tx, sheet, key, &relation.key_field, value)?
                    {
                        Ok(id) => keys.push(id),
                        Err(message) => return Ok(Err(Refusal::Fail(message))),
                    }
                }
                None => keys.push(value.clone()),
            }
        }
        // Resolve the row's relation cells before touching anything.
        let mut changes: Vec<(usize, Option<String>)> = Vec::with_capacity(row.changes.len());
        for (field, change) in &row.changes {
            let Some(index) = sheet.field_index(field) else {
                continue;
            };
            let value = match change {
                FieldChange::Set(value) => Some(value.clone()),
                FieldChange::Clear => None,
                FieldChange::Relate { key_field, value } => {
                    match self.relations.resolve(tx, sheet, field, key_field, value)? {
                        Ok(id) => Some(id),
                        Err(note) => return Ok(Err(Refusal::Fail(note.on(field)))),
                    }
                }
            };
            changes.push((index, value));
        }
        let existing = match self.matching(tx, &keys)? {
            Ok(existing) => existing,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let changed_by = |kind| {
            Some((
                ChangedBy {
                    row: Some(row.row),
                    ..self.changed_by
                },
                kind,
            ))
        };
        match (existing, condition.mode) {
            (Some(_), ImportMode::InsertOnly) => Ok(Err(match condition.duplicates.existing {
                OnExisting::Skip => {
                    Refusal::Skip(Note::at(None, Notice::RecordExists { skipped: true }))
                }
                OnExisting::Error => {
                    Refusal::Fail(Note::at(None, Notice::RecordExists { skipped: false }))
                }
            })),
            (Some(before), _) => {
                let mut record = before.clone();
                for (index, value) in changes {
                    // Matching-key fields are never updated.
                    if self.key_indexes.contains(&Some(index)) || Some(index) == self.id_index {
                        continue;
                    }
                    record.values[index] = value;
                }
                if record.values == before.values {
                    return Ok(Ok((Outcome::Unchanged, record.id)));
                }
                tx.put_record(
                    sheet,
                    Some(&before),
                    &record,
                    changed_by(ChangeKind::Updated),
                )?;
                Ok(Ok((Outcome::Updated, record.id)))
            }
            (None, ImportMode::UpdateOnly) => {
                Ok(Err(Refusal::Fail(Note::at(None, Notice::RecordNotFound))))
            }
            (None, _) => {
                let mut values = vec![None; sheet.fields.len()];
                for (index, key) in self.key_indexes.iter().zip(&keys) {
                    if let Some(index) = index {
                        values[*index] = Some(key.clone());
                    }
                }
                for (index, value) in changes {
                    if values[index].is_none() || !self.key_indexes.contains(&Some(index)) {
                        values[index] = value;
                    }
                }
                let id = match self.id_index.and_then(|i| values[i].clone()) {
                    Some(id) if tx.record(sheet, &id)?.is_some() => {
                        return Ok(Err(Refusal::Fail(Note::at(None, Notice::IdTaken { id }))));
                    }
                    Some(id) => id,
                    None => {
                        // The counter may trail ids set explicitly (by an earlier
                        // row or batch): skip every id already taken.
                        let mut id = next_id(tx, sheet)?;
                        while tx.record(sheet, &id)?.is_some() {
                            id = next_id(tx, sheet)?;
                        }
                        if let Some(i) = self.id_index {
                            values[i] = Some(id.clone());
                        }
                        id
                    }
                };
                let record = SheetRecord {
                    id: id.clone(),
                    values,
                };
                tx.put_record(sheet, None, &record, changed_by(ChangeKind::Created))?;
                Ok(Ok((Outcome::Created, id)))
            }
        }
    }
}

/// Posts to the timeline and queues the e-mails of a finished run.
fn notify(
    tx: &mut dyn CrmTx,
    context: RunContext<'_>,
    sheet_name: &str,
    run: &LinkageRun,
) -> Result<Delivery, AppError> {
    let RunContext {
        settings, people, ..
    } = context;
    let (subject, body) = completion_message(sheet_name, run, context.offset_minutes);
    let mut targets: Vec<String> = settings.timeline_targets.clone();
    targets.extend(people.members.iter().cloned());
    targets.sort();
    targets.dedup();
    let post = TimelinePost {
        id: run.id.clone(),
        at: run.ended_at,
        targets,
        text: body.trim_end().to_owned(),
    };
    tx.post(&post)?;
    let mut recipients: Vec<String> = settings.emails.clone();
    for email in &people.emails {
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(email)) {
            recipients.push(email.clone());
        }
    }
    let mut delivery = Delivery::default();
    for to in recipients {
        // A tenant's e-mails are bounded per hour: over the bound they wait
        // for a later hour, never dropped (a full window refuses new runs
        // when they are claimed instead).
        let delay = tx.mail_slot(MAILS_PER_TENANT_HOUR, MAIL_QUEUE_HOURS + 1)?;
        if delay > 0 {
            let due = crate::ids::now_millis() + delay;
            let due = u64::try_from(due / 1_000).unwrap_or(u64::MAX);
            delivery.delayed_until = delivery.delayed_until.max(Some(due));
        }
        tx.enqueue_mail(
            &Mail {
                id: format!("{}-{to}", run.id),
                to,
                subject: subject.clone(),
                body: body.clone(),
                attempts: 0,
            },
            delay,
        )?;
    }
    Ok(delivery)
}

/// What became of a run's completion e-mails.
#[derive(Debug, Default)]
struct Delivery {
    /// When the last of those held back by the hourly bound is due.
    delayed_until: Option<u64>,
}

/// A tenant's completion e-mails due in one hour, at most; more wait for the
/// next hour with room.
pub const MAILS_PER_TENANT_HOUR: u32 = 500;
/// How many hours ahead a tenant's e-mails may wait: its queue holds about
/// this many hours' worth (12,000 e-mails); while it does, new runs are
/// refused when claimed (429 `mail_queue_full`), so no e-mail is dropped.
pub const MAIL_QUEUE_HOURS: u32 = 24;
/// The room a run is claimed with: the most e-mails one run queues (the
/// settings' 20 addresses, the condition's 20 and its 20 CRM 社員 records).
pub const MAIL_ROOM_PER_RUN: u32 = 60;

/// Ends a run: its timeline post and e-mails (to the settings' and the
/// condition's `people`), its history record, the idempotency key
/// that protects it, all in the batch's transaction. Returns the run as the
/// API answers it.
fn finish(
    tx: &mut dyn CrmTx,
    context: RunContext<'_>,
    sheet_name: &str,
    mut run: Run,
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let delivery = notify(tx, context, sheet_name, &run.render())?;
    run.head.mail_delayed_until = delivery.delayed_until;
    tx.record_run(&run)?;
    if let Some(key) = idempotency {
        let (key, remembered) = key.record(&run.head.id);
        tx.remember(key, &remembered)?;
    }
    Ok(run.render())
}

/// The related records' key values an export's relation columns write
/// (a column writing a related customer's name, say): one look-up per
/// related record the exported records point at.
pub fn related_values(
    store: &impl Linkage,
    tenant: &str,
    catalog: &Catalog,
    condition: &sheetlink_engine::linkage::ExportCondition,
    records: &[SheetRecord],
) -> Result<RelatedValues, AppError> {
    let mut related = RelatedValues::none();
    let Some(sheet) = catalog.sheet(&condition.sheet) else {
        return Ok(related);
    };
    for column in condition.relation_columns(catalog) {
        let (Some(index), Some(target)) = (
            sheet.field_index(&column.field),
            catalog.sheet(&column.sheet),
        ) else {
            continue;
        };
        let mut ids: Vec<&str> = records
            .iter()
            .filter_map(|r| r.values.get(index)?.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let key_index = target.field_index(&column.key_field);
        for record in store.records_by_id(tenant, target, &ids)? {
            let value = match key_index {
                Some(at) => record.values[at].clone(),
                None => Some(record.id.clone()),
            };
            if let Some(value) = value {
                related.insert(&column.field, &record.id, value);
            }
        }
    }
    Ok(related)
}

/// Runs an export: the condition's records, filtered, sorted and written by
/// the engine; recorded and announced like an import. A refused export
/// (characters Shift_JIS cannot hold) is returned as is, not recorded.
pub fn run_export(
    store: &impl Linkage,
    context: RunContext<'_>,
    stored: &StoredExportCondition,
) -> Result<Export, AppError> {
    let RunContext {
        tenant,
        actor,
        catalog,
        ..
    } = context;
    let started = now();
    let condition = &stored.condition;
    let sheet = catalog.sheet(&condition.sheet).ok_or_else(no_sheet)?;
    // Load, filter, sort and encode from a read snapshot: the one writer of
    // the database is taken only for the run's record and notifications.
    let records = store.records(tenant, sheet)?;
    let related = related_values(store, tenant, catalog, condition, &records)?;
    let written = export(condition, catalog, &records, &related).map_err(condition_refused)?;
    if written.refused() {
        return Ok(written);
    }
    let rows = u32::try_from(written.rows).unwrap_or(u32::MAX);
    let run = Run {
        head: LinkageRun {
            id: record_id()?,
            kind: context.kind,
            on_the_spot: context.on_the_spot,
            direction: Direction::Export,
            key: condition.key.clone(),
            sheet: sheet.id.clone(),
            actor: actor.to_owned(),
            started_at: started,
            ended_at: now(),
            status: RunStatus::Completed,
            reason: None,
            reason_en: None,
            counts: Counts {
                rows_in: rows,
                ..Counts::default()
            },
            rows: Vec::new(),
            rows_truncated: false,
            mail_delayed_until: None,
            not_added_to_list: 0,
        },
        rows: Vec::new(),
        reason: Vec::new(),
    };
    store.write_crm(tenant, |tx| finish(tx, context, &sheet.name, run, None))?;
    Ok(written)
}
