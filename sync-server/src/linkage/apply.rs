//! Applying a mapped import to the stored records, and gathering records for
//! an export. One write transaction per batch: a batch is applied entirely
//! or not at all, together with its history, notifications and list entries.

use std::collections::HashMap;

use sheetlink_engine::Lang;
use sheetlink_engine::linkage::{
    Catalog, Export, FieldChange, ImportMode, MapStatus, MappedRow, OnExisting, Sheet, SheetRecord,
    export, map_file,
};

use crate::error::AppError;
use crate::idempotency::{Key, Seen};
use crate::ids::{now, record_id};
use crate::linkage::access::BatchCaller;
use crate::linkage::mail::Mail;
use crate::linkage::stored_condition;
use crate::linkage::{
    ANSWER_EVERY_ROW, Counts, Direction, LinkageRun, MAX_ANSWERED_ROWS, Outcome, RowRecord, Run,
    RunKind, RunStatus, Settings, StoredExportCondition, StoredImportCondition, TimelinePost,
    completion_message,
};
use crate::notice::{Note, Notice};
use crate::store::{CrmTx, Idempotency, Linkage};

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
    let join = |lang| {
        problems
            .iter()
            .map(|p| p.message(lang))
            .collect::<Vec<_>>()
            .join("\n")
    };
    AppError::bad_request("condition_invalid", join(Lang::Ja), join(Lang::En))
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
    /// The key was used for another file.
    Conflict,
}

/// A batch import of `csv` under the tenant's import condition `key` for
/// `caller`: a replay or conflict is answered from the stored key (every
/// batch caller of the tenant may see its runs; the key's namespace is the
/// tenant's own), otherwise the file is run by [`run_import`].
pub fn start_import(
    store: &(impl Linkage + Idempotency),
    caller: &BatchCaller,
    key: &str,
    csv: &[u8],
    idempotency: Option<&Key>,
    offset_minutes: i32,
) -> Result<BatchStarted, AppError> {
    let stored: StoredImportCondition = stored_condition(store, &caller.tenant, key)?;
    if let Some(idempotency) = idempotency {
        match idempotency.look_up(store)? {
            Seen::New => {}
            Seen::Conflict => return Ok(BatchStarted::Conflict),
            Seen::Replay(run_id) => {
                let run = store
                    .linkage_run(&caller.tenant, &run_id)?
                    .ok_or_else(|| AppError::internal("idempotency record without run"))?;
                return Ok(BatchStarted::Replayed(run.render()));
            }
        }
    }
    let settings = store.linkage_settings(&caller.tenant)?;
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let context = caller.context(&catalog, &settings, offset_minutes);
    run_import(store, context, &stored, csv, idempotency).map(BatchStarted::Applied)
}

/// A batch export under the tenant's export condition `key` for `caller`:
/// the condition and the file, or 422 listing the first 100 cells Shift_JIS
/// cannot hold (nothing written, nothing recorded).
pub fn start_export(
    store: &impl Linkage,
    caller: &BatchCaller,
    key: &str,
    offset_minutes: i32,
) -> Result<(StoredExportCondition, Export), AppError> {
    let stored: StoredExportCondition = stored_condition(store, &caller.tenant, key)?;
    let settings = store.linkage_settings(&caller.tenant)?;
    let catalog = sheetlink_engine::linkage::crm_catalog();
    let context = caller.context(&catalog, &settings, offset_minutes);
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

/// Finds records of a sheet by a field's value, built once per batch.
struct Lookup {
    by_value: HashMap<String, Vec<String>>,
}

impl Lookup {
    fn new(records: &[SheetRecord], sheet: &Sheet, field: &str) -> Self {
        let mut lookup = Lookup {
            by_value: HashMap::new(),
        };
        for record in records {
            lookup.add(sheet, field, record);
        }
        lookup
    }

    /// The value of `field` in `record` (the record id for a sheet without
    /// an `id` field).
    fn value<'r>(sheet: &Sheet, field: &str, record: &'r SheetRecord) -> Option<&'r str> {
        match sheet.field_index(field) {
            Some(index) => record.values[index].as_deref(),
            None if field == "id" => Some(&record.id),
            None => None,
        }
    }

    fn add(&mut self, sheet: &Sheet, field: &str, record: &SheetRecord) {
        if let Some(value) = Self::value(sheet, field, record) {
            self.by_value
                .entry(value.to_owned())
                .or_default()
                .push(record.id.clone());
        }
    }

    fn remove(&mut self, sheet: &Sheet, field: &str, record: &SheetRecord) {
        if let Some(value) = Self::value(sheet, field, record)
            && let Some(ids) = self.by_value.get_mut(value)
        {
            ids.retain(|id| id != &record.id);
        }
    }

    fn find(&self, value: &str) -> Result<String, Note> {
        match self.by_value.get(value).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            None | Some([]) => Err(Note::at(
                None,
                Notice::RelationNotFound {
                    value: value.to_owned(),
                },
            )),
            Some(many) => Err(Note::at(
                None,
                Notice::RelationAmbiguous {
                    value: value.to_owned(),
                    count: many.len(),
                },
            )),
        }
    }
}

/// Relation look-ups of a batch: per (related sheet, key field), built on
/// first use from the stored records.
struct Relations<'a> {
    catalog: &'a Catalog,
    cache: HashMap<(String, String), Lookup>,
}

impl Relations<'_> {
    /// The id of the record `field` (a relation of `sheet`) points at by
    /// `key_field` = `value`. `current` are the target sheet's records as
    /// this batch has left them, so a row can point at a record an earlier
    /// row created (a parent customer, say).
    fn resolve(
        &mut self,
        tx: &mut dyn CrmTx,
        sheet: &Sheet,
        field: &str,
        key_field: &str,
        value: &str,
        current: &[SheetRecord],
    ) -> Result<Result<String, Note>, AppError> {
        // The condition passed the engine's check against this catalog, so
        // a relation without a sheet is a bug, not a row's fault.
        let related = sheet
            .field(field)
            .and_then(|f| f.relation_sheet.clone())
            .ok_or_else(|| AppError::internal(format!("{field} is not a relation")))?;
        let cache_key = (related.clone(), key_field.to_owned());
        if !self.cache.contains_key(&cache_key) {
            let related_sheet = self
                .catalog
                .sheet(&related)
                .ok_or_else(|| AppError::internal(format!("unknown sheet {related}")))?;
            let lookup = if related == sheet.id {
                Lookup::new(current, related_sheet, key_field)
            } else {
                // A storage error here aborts the whole batch (nothing is
                // applied); it is never a row's failure.
                let records = tx.records(related_sheet)?;
                Lookup::new(&records, related_sheet, key_field)
            };
            self.cache.insert(cache_key.clone(), lookup);
        }
        Ok(self.cache[&cache_key].find(value))
    }

    /// Keeps the look-ups into the target sheet in step with a record this
    /// batch changed (`before`) or created (`before` is `None`).
    fn note(&mut self, sheet: &Sheet, before: Option<&SheetRecord>, after: &SheetRecord) {
        for ((related, key_field), lookup) in &mut self.cache {
            if related == &sheet.id {
                if let Some(before) = before {
                    lookup.remove(sheet, key_field, before);
                }
                lookup.add(sheet, key_field, after);
            }
        }
    }
}

/// Runs a batch import of `bytes` under `stored` for `tenant`: maps the
/// file with the engine, applies each valid row per the condition's mode,
/// duplicate handling, matching and relation keys, and records the run, the
/// timeline post, the e-mails and the list entries — all in one
/// transaction.
pub fn run_import(
    store: &impl Linkage,
    context: RunContext<'_>,
    stored: &StoredImportCondition,
    bytes: &[u8],
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let RunContext {
        tenant,
        actor,
        catalog,
        ..
    } = context;
    let started = now();
    let condition = &stored.condition;
    let sheet = catalog.sheet(&condition.sheet).ok_or_else(no_sheet)?;
    let mapping = map_file(condition, catalog, bytes).map_err(condition_refused)?;
    if mapping.status == MapStatus::Rejected {
        return refuse_file(
            store,
            context,
            stored,
            sheet,
            &mapping,
            started,
            idempotency,
        );
    }
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
    let every_row = mapping.rows_read as usize <= ANSWER_EVERY_ROW;
    let mut results: Vec<RowRecord> = Vec::new();
    // A failed row's problems, in the order the engine found them.
    let mut failed_rows: HashMap<u32, Vec<Note>> = HashMap::new();
    for diagnostic in &mapping.diagnostics {
        failed_rows
            .entry(diagnostic.row.unwrap_or(0))
            .or_default()
            .push(Note::of(diagnostic));
    }
    store.write_crm(tenant, |tx| {
        let mut touched = Vec::new();
        {
            let records = tx.records(sheet)?;
            let key_indexes: Vec<Option<usize>> = condition
                .matching_keys
                .iter()
                .map(|key| sheet.field_index(key))
                .collect();
            let mut by_keys: HashMap<Vec<String>, usize> = HashMap::new();
            let mut by_id: HashMap<String, usize> = HashMap::new();
            for (position, record) in records.iter().enumerate() {
                by_id.insert(record.id.clone(), position);
                let keys: Option<Vec<String>> = key_indexes
                    .iter()
                    .map(|index| index.and_then(|i| record.values[i].clone()))
                    .collect();
                if let Some(keys) = keys {
                    by_keys.insert(keys, position);
                }
            }
            let mut applier = Applier {
                condition,
                sheet,
                id_index: sheet.fields.iter().position(|f| f.is_id),
                key_indexes,
                relations: Relations {
                    catalog,
                    cache: HashMap::new(),
                },
                records,
                by_keys,
                by_id,
            };
            let mut dirty = Vec::new();
            for row in &mapping.rows {
                let outcome = applier.apply_row(tx, row)?;
                let result = match outcome {
                    Ok((outcome, position)) => {
                        counts.count(outcome);
                        if outcome != Outcome::Unchanged {
                            dirty.push(position);
                        }
                        touched.push(applier.records[position].id.clone());
                        if !every_row {
                            continue;
                        }
                        RowRecord {
                            row: row.row,
                            outcome,
                            record: Some(applier.records[position].id.clone()),
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
            dirty.sort_unstable();
            dirty.dedup();
            for position in dirty {
                tx.put_record(sheet, &applier.records[position])?;
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
                id: record_id()?,
                kind: RunKind::Batch,
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
            },
            rows: results,
            reason: Vec::new(),
        };
        if let Some(list) = &stored.after.add_to_list {
            let entries: Vec<String> = touched
                .iter()
                .map(|id| format!("{}/{id}", sheet.id))
                .collect();
            tx.add_to_list(list, &entries)?;
        }
        let people = (&stored.after.notify_members[..], &stored.after.emails[..]);
        finish(tx, context, people, &sheet.name, &run, idempotency)
    })
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
    started: u64,
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let run = Run {
        head: LinkageRun {
            id: record_id()?,
            kind: RunKind::Batch,
            direction: Direction::Import,
            key: stored.condition.key.clone(),
            sheet: sheet.id.clone(),
            actor: context.actor.to_owned(),
            started_at: started,
            ended_at: now(),
            status: RunStatus::AllFailed,
            reason: None,
            reason_en: None,
            counts: Counts::default(),
            rows: Vec::new(),
            rows_truncated: false,
        },
        rows: Vec::new(),
        reason: mapping.diagnostics.iter().map(Note::of).collect(),
    };
    let people = (&stored.after.notify_members[..], &stored.after.emails[..]);
    store.write_crm(context.tenant, |tx| {
        finish(tx, context, people, &sheet.name, &run, idempotency)
    })
}

enum Refusal {
    Skip(Note),
    Fail(Note),
}

/// A batch import's state inside its write transaction: the sheet's
/// records as the batch has left them so far, their look-ups by matching
/// keys and by id, and the relations resolved.
struct Applier<'t> {
    condition: &'t sheetlink_engine::linkage::ImportCondition,
    sheet: &'t Sheet,
    /// The field index of each matching key.
    key_indexes: Vec<Option<usize>>,
    /// The field index of the sheet's id field.
    id_index: Option<usize>,
    relations: Relations<'t>,
    records: Vec<SheetRecord>,
    by_keys: HashMap<Vec<String>, usize>,
    by_id: HashMap<String, usize>,
}

impl Applier<'_> {
    /// Applies one mapped row; the inner result is the row's outcome and the
    /// record's position, or why it was skipped or failed.
    fn apply_row(
        &mut self,
        tx: &mut dyn CrmTx,
        row: &MappedRow,
    ) -> Result<Result<(Outcome, usize), Refusal>, AppError> {
        let Applier {
            condition,
            sheet,
            key_indexes,
            id_index,
            relations,
            records,
            by_keys,
            by_id,
        } = self;
        let (condition, sheet, id_index) = (*condition, *sheet, *id_index);
        // Matching keys as stored: a relation key is stored as the related
        // record's id, so its value is looked up first.
        let mut keys = Vec::with_capacity(row.keys.len());
        for (key, value) in condition.matching_keys.iter().zip(&row.keys) {
            let relation_key = condition.relation_keys.iter().find(|r| &r.field == key);
            match relation_key {
                Some(relation) => {
                    match relations.resolve(tx, sheet, key, &relation.key_field, value, records)? {
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
                    match relations.resolve(tx, sheet, field, key_field, value, records)? {
                        Ok(id) => Some(id),
                        Err(note) => return Ok(Err(Refusal::Fail(note.on(field)))),
                    }
                }
            };
            changes.push((index, value));
        }
        let existing = if keys.is_empty() {
            None
        } else {
            by_keys.get(&keys).copied()
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
            (Some(position), _) => {
                let before = records[position].clone();
                let record = &mut records[position];
                let mut changed = false;
                for (index, value) in changes {
                    // Matching-key fields are never updated.
                    if key_indexes.contains(&Some(index)) || Some(index) == id_index {
                        continue;
                    }
                    if record.values[index] != value {
                        record.values[index] = value;
                        changed = true;
                    }
                }
                if changed {
                    relations.note(sheet, Some(&before), &records[position]);
                }
                Ok(Ok((
                    if changed {
                        Outcome::Updated
                    } else {
                        Outcome::Unchanged
                    },
                    position,
                )))
            }
            (None, ImportMode::UpdateOnly) => {
                Ok(Err(Refusal::Fail(Note::at(None, Notice::RecordNotFound))))
            }
            (None, _) => {
                let mut values = vec![None; sheet.fields.len()];
                for (index, key) in key_indexes.iter().zip(&keys) {
                    if let Some(index) = index {
                        values[*index] = Some(key.clone());
                    }
                }
                for (index, value) in changes {
                    if values[index].is_none() || !key_indexes.contains(&Some(index)) {
                        values[index] = value;
                    }
                }
                let id = match id_index.and_then(|i| values[i].clone()) {
                    Some(id) if by_id.contains_key(&id) => {
                        return Ok(Err(Refusal::Fail(Note::at(None, Notice::IdTaken { id }))));
                    }
                    Some(id) => id,
                    None => {
                        // The counter may trail ids set explicitly (by an earlier
                        // row or batch): skip every id already taken.
                        let mut id = next_id(tx, sheet)?;
                        while by_id.contains_key(&id) {
                            id = next_id(tx, sheet)?;
                        }
                        if let Some(i) = id_index {
                            values[i] = Some(id.clone());
                        }
                        id
                    }
                };
                records.push(SheetRecord {
                    id: id.clone(),
                    values,
                });
                let position = records.len() - 1;
                relations.note(sheet, None, &records[position]);
                by_id.insert(id, position);
                if !keys.is_empty() {
                    by_keys.insert(keys, position);
                }
                Ok(Ok((Outcome::Created, position)))
            }
        }
    }
}

/// Posts to the timeline and queues the e-mails of a finished run.
fn notify(
    tx: &mut dyn CrmTx,
    context: RunContext<'_>,
    (members, emails): (&[String], &[String]),
    sheet_name: &str,
    run: &LinkageRun,
) -> Result<(), AppError> {
    let RunContext { settings, .. } = context;
    let (subject, body) = completion_message(sheet_name, run, context.offset_minutes);
    let mut targets: Vec<String> = settings.timeline_targets.clone();
    targets.extend(members.iter().cloned());
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
    for email in emails {
        if !recipients.contains(email) {
            recipients.push(email.clone());
        }
    }
    for to in recipients {
        tx.enqueue_mail(
            &Mail {
                id: format!("{}-{to}", run.id),
                to,
                subject: subject.clone(),
                body: body.clone(),
                attempts: 0,
            },
            0,
        )?;
    }
    Ok(())
}

/// Ends a run: its timeline post and e-mails (to the settings' and the
/// condition's `(members, emails)`), its history record, the idempotency key
/// that protects it, all in the batch's transaction. Returns the run as the
/// API answers it.
fn finish(
    tx: &mut dyn CrmTx,
    context: RunContext<'_>,
    people: (&[String], &[String]),
    sheet_name: &str,
    run: &Run,
    idempotency: Option<&Key>,
) -> Result<LinkageRun, AppError> {
    let answer = run.render();
    notify(tx, context, people, sheet_name, &answer)?;
    tx.record_run(run)?;
    if let Some(key) = idempotency {
        let (key, remembered) = key.record(&run.head.id);
        tx.remember(key, &remembered)?;
    }
    Ok(answer)
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
    let written = export(condition, catalog, &records).map_err(condition_refused)?;
    if written.refused() {
        return Ok(written);
    }
    let rows = u32::try_from(written.rows).unwrap_or(u32::MAX);
    let run = Run {
        head: LinkageRun {
            id: record_id()?,
            kind: RunKind::Batch,
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
        },
        rows: Vec::new(),
        reason: Vec::new(),
    };
    let people = (&stored.after.notify_members[..], &stored.after.emails[..]);
    store.write_crm(tenant, |tx| {
        finish(tx, context, people, &sheet.name, &run, None)
    })?;
    Ok(written)
}
