//! What holds between an import's check and its apply: each evaluatee's
//! transaction checks status, scope and permission again as it sees them;
//! the run is claimed only against the sheet its file was checked with, and
//! the sheet cannot change while the import applies; an error mid-apply
//! ends the import at once as interrupted, with the cells it did change;
//! a batch applies only under the CRM catalog its file was mapped with.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use common::http::{call, cookie_of};
use serde_json::json;
use sheetlink_engine::linkage::crm_catalog;
use sheetlink_server::auth::Caller;
use sheetlink_server::error::AppError;
use sheetlink_server::imports::{self, ImportRecord, ImportStatus, Prepared};
use sheetlink_server::linkage::apply::{People, RunContext, run_import};
use sheetlink_server::linkage::claim::Claimed;
use sheetlink_server::linkage::{AfterImport, Settings, StoredImportCondition};
use sheetlink_server::model::{CustomizeSheet, Period};
use sheetlink_server::seed::{DEMO_ADMIN, DEMO_CRM_ADMIN, DEMO_LEADER};
use sheetlink_server::store::{
    Accounts as _, Change, ChangeLogPage, EvaluationTx, Evaluations, Organisation as _,
    OrganisationEdits as _,
};
use sheetlink_server::{Config, Store};

const TENANT: &str = "demo";

fn caller(store: &Store, id: &str) -> Caller {
    Caller {
        tenant: TENANT.into(),
        member: store.member(TENANT, id).expect("reads").expect("a member"),
    }
}

fn period_and_sheet(store: &Store) -> (Period, CustomizeSheet) {
    (
        store
            .period(TENANT, "2026-h1")
            .expect("reads")
            .expect("the period"),
        store
            .sheet(TENANT, "performance")
            .expect("reads")
            .expect("the sheet"),
    )
}

/// `cookie`'s template of `score_total`, every evaluatee's value set to 77.
async fn file(app: &axum::Router, cookie: &str) -> String {
    let template = call(
        app,
        Method::POST,
        "/api/periods/2026-h1/sheets/performance/template",
        Some(cookie),
        Some(json!({"items": ["score_total"]})),
    )
    .await;
    assert_eq!(template.status, StatusCode::OK);
    let text = String::from_utf8(template.bytes).expect("UTF-8");
    text.split("\r\n")
        .enumerate()
        .map(|(n, line)| {
            let cells: Vec<&str> = line.split(',').collect();
            if n >= 4 && cells.len() == 3 {
                format!("{},{},77", cells[0], cells[1])
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A running record for an import of `prepared`, written as `start` writes
/// it.
fn running(store: &impl Evaluations, caller: &Caller, id: &str) -> ImportRecord {
    let record = ImportRecord {
        id: id.into(),
        period: "2026-h1".into(),
        sheet: "performance".into(),
        operator: caller.member.id.clone(),
        operator_name: caller.member.name.clone(),
        started_at: 1,
        ended_at: None,
        status: ImportStatus::Running,
        counts: Default::default(),
        error_totals: Default::default(),
        errors_truncated: false,
        reverted_at: None,
        items: Vec::new(),
        cells: Default::default(),
        file_name: None,
        stopped_by: None,
    };
    store
        .write_evaluations(TENANT, true, |tx| tx.put_import(&record))
        .expect("writes");
    record
}

fn prepared(store: &Store, caller: &Caller, csv: &str) -> Prepared {
    let (period, sheet) = period_and_sheet(store);
    let prepared =
        imports::prepare(store, caller, &period, &sheet, csv.as_bytes()).expect("checks");
    assert!(
        prepared.targets.len() >= 2,
        "{} targets",
        prepared.targets.len()
    );
    prepared
}

#[tokio::test]
async fn an_evaluatee_moved_out_of_scope_after_the_check_is_not_written() {
    let (app, store) = common::server("recheck-scope", Config::default());
    let leader_cookie = cookie_of(&app, None, DEMO_LEADER.0, DEMO_LEADER.1).await;
    let csv = file(&app, &leader_cookie).await;
    let leader = caller(&store, "leader");
    let prepared = prepared(&store, &leader, &csv);
    let moved = prepared.targets[0].member.clone();
    let row = prepared.targets[0].row;
    let total = prepared.targets.len() as u32;
    // Between the check and the apply, the evaluatee leaves the leader's
    // groups.
    store
        .update_member(TENANT, &moved, |member| {
            member.groups.clear();
            Ok(((), Change::default()))
        })
        .expect("writes")
        .expect("the member");
    let (period, sheet) = period_and_sheet(&store);
    let before = store
        .user_sheet(TENANT, "2026-h1", "performance", &moved)
        .expect("reads");
    let record = running(&store, &leader, "recheck-1");
    let done = imports::apply(&store, &leader, &period, &sheet, record, prepared, u64::MAX)
        .expect("applies");
    assert_eq!(done.counts.failed, 1, "{:?}", done.counts);
    let c = &done.counts;
    assert_eq!(c.created + c.updated + c.unchanged, total - 1, "{c:?}");
    assert_eq!(done.status, ImportStatus::CompletedWithErrors);
    assert_eq!(done.error_totals.get("evaluatee.forbidden"), Some(&1));
    let errors = store.import_errors(TENANT, "recheck-1").expect("reads");
    assert!(
        errors
            .iter()
            .any(|e| e.row == Some(row) && e.notice.code() == "evaluatee.forbidden"),
        "{errors:?}"
    );
    let after = store
        .user_sheet(TENANT, "2026-h1", "performance", &moved)
        .expect("reads");
    assert_eq!(after, before, "the moved evaluatee's sheet is untouched");
}

/// The store, failing the `fail_at`-th write transaction (a full disk).
struct FailingWrites {
    store: Store,
    writes: AtomicUsize,
    fail_at: usize,
}

impl Evaluations for FailingWrites {
    fn import(&self, tenant: &str, id: &str) -> Result<Option<ImportRecord>, AppError> {
        self.store.import(tenant, id)
    }
    fn import_errors(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<Vec<sheetlink_server::notice::Note>, AppError> {
        self.store.import_errors(tenant, id)
    }
    fn import_progress(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<Option<imports::Progress>, AppError> {
        self.store.import_progress(tenant, id)
    }
    fn error_file(&self, tenant: &str, id: &str) -> Result<Option<Vec<u8>>, AppError> {
        self.store.error_file(tenant, id)
    }
    fn imports_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(ImportRecord) -> bool,
    ) -> Result<(), AppError> {
        self.store.imports_newest_first(tenant, visit)
    }
    fn running_imports(&self) -> Result<Vec<(String, ImportRecord)>, AppError> {
        self.store.running_imports()
    }
    fn change_log(&self, tenant: &str, id: &str) -> Result<Vec<(String, Vec<u8>)>, AppError> {
        self.store.change_log(tenant, id)
    }
    fn change_log_page(
        &self,
        tenant: &str,
        id: &str,
        after: Option<&str>,
        members: usize,
        bytes: usize,
    ) -> Result<ChangeLogPage, AppError> {
        self.store
            .change_log_page(tenant, id, after, members, bytes)
    }
    fn try_write_evaluations<T, R>(
        &self,
        tenant: &str,
        durable: bool,
        job: impl FnOnce(&mut dyn EvaluationTx) -> Result<Result<T, R>, AppError>,
    ) -> Result<Result<T, R>, AppError> {
        if self.writes.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at {
            return Err(AppError::internal("the disk is full"));
        }
        self.store.try_write_evaluations(tenant, durable, job)
    }
}

#[tokio::test]
async fn an_error_mid_apply_ends_the_import_interrupted_with_what_it_changed() {
    let (app, store) = common::server("recheck-error", Config::default());
    let admin_cookie = cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let csv = file(&app, &admin_cookie).await;
    let admin = caller(&store, "admin");
    let prepared = prepared(&store, &admin, &csv);
    let total = prepared.targets.len() as u32;
    let (period, sheet) = period_and_sheet(&store);
    let record = running(&store, &admin, "broken-1");
    // Write 1 records the item ids; writes 2 and 3 apply two evaluatees;
    // write 4 fails.
    let failing = FailingWrites {
        store: store.clone(),
        writes: AtomicUsize::new(0),
        fail_at: 4,
    };
    let failed = imports::apply(
        &failing,
        &admin,
        &period,
        &sheet,
        record,
        prepared,
        u64::MAX,
    );
    assert!(failed.is_err());
    let stored = store
        .import(TENANT, "broken-1")
        .expect("reads")
        .expect("the record");
    assert_eq!(
        stored.status,
        ImportStatus::Interrupted,
        "at once, not at the next start"
    );
    assert_eq!(stored.stopped_by.as_deref(), Some("internal"));
    assert!(stored.ended_at.is_some());
    let c = &stored.counts;
    assert_eq!(c.created + c.updated + c.unchanged, 2, "{c:?}");
    assert_eq!(c.skipped, total - 2);
    assert_eq!(
        stored.cells.update + stored.cells.create,
        c.created + c.updated,
        "one cell per applied evaluatee: {:?}",
        stored.cells
    );
    assert!(stored.cells.update + stored.cells.create > 0);
}

#[tokio::test]
async fn the_sheet_checked_against_is_the_sheet_applied_to() {
    let (app, store) = common::server("recheck-sheet", Config::default());
    let admin_cookie = cookie_of(&app, None, DEMO_ADMIN.0, DEMO_ADMIN.1).await;
    let csv = file(&app, &admin_cookie).await;
    let admin = caller(&store, "admin");
    let (period, sheet) = period_and_sheet(&store);
    // The sheet as the file was checked against it differs from the one
    // stored now: the claim refuses, nothing is recorded.
    let mut checked_against = sheet.clone();
    checked_against.name.push_str("（編集前）");
    let key = sheetlink_server::idempotency::Key::from_request(
        TENANT,
        sheetlink_server::idempotency::Scope::Evaluation,
        Some("sheet-changed"),
        csv.as_bytes(),
    )
    .expect("a key")
    .expect("a key");
    let refused = imports::start(
        &store,
        &admin,
        &period,
        &checked_against,
        imports::Upload {
            csv: csv.as_bytes(),
            idempotency: &key,
            file_name: None,
        },
        u64::MAX,
    );
    let Err(AppError::Refused(refusal)) = refused else {
        panic!("the claim went ahead");
    };
    assert_eq!(
        (refusal.status, refusal.code),
        (StatusCode::CONFLICT, "sheet_changed")
    );
    let mut imports_now = 0;
    store
        .imports_newest_first(TENANT, &mut |_| {
            imports_now += 1;
            true
        })
        .expect("reads");
    assert_eq!(imports_now, 0, "nothing recorded");

    // While an import of the sheet runs, the sheet cannot be edited: the
    // edit's own transaction sees the running import.
    running(&store, &admin, "applying-1");
    let edited = store.update_sheet(TENANT, "performance", |_, _| {
        Err(AppError::internal("the edit went ahead"))
    });
    let Err(AppError::Refused(refusal)) = edited else {
        panic!("edited while an import applies: {edited:?}");
    };
    assert_eq!(
        (refusal.status, refusal.code),
        (StatusCode::CONFLICT, "import_running")
    );
}

#[tokio::test]
async fn a_batch_applies_only_under_the_catalog_it_was_mapped_with() {
    let (app, store) = common::server("recheck-catalog", Config::default());
    let crm = cookie_of(&app, None, DEMO_CRM_ADMIN.0, DEMO_CRM_ADMIN.1).await;
    // Mapped with the standard catalog…
    let catalog = crm_catalog();
    let settings = Settings::default();
    let condition: sheetlink_engine::linkage::ImportCondition = serde_json::from_value(json!({
        "key": "phones", "sheet": "customer", "mode": "update_only",
        "mappings": [
            {"source": {"header": "顧客ID"}, "field": "id"},
            {"source": {"header": "電話番号"}, "field": "phone"},
        ],
        "matching_keys": ["id"],
    }))
    .expect("a condition");
    let context = RunContext {
        tenant: TENANT,
        actor: "夜間バッチ",
        catalog: &catalog,
        settings: &settings,
        offset_minutes: 540,
        people: &People::default(),
        kind: sheetlink_server::linkage::RunKind::Batch,
        on_the_spot: false,
        list_every_row: sheetlink_server::linkage::ANSWER_EVERY_ROW,
    };
    let stored = StoredImportCondition {
        condition,
        after: AfterImport::default(),
    };
    // …while an admin saves a field of the tenant's own.
    let current = call(
        &app,
        Method::GET,
        "/api/linkage/catalog/additions",
        Some(&crm),
        None,
    )
    .await;
    let saved = call(
        &app,
        Method::PUT,
        "/api/linkage/catalog/additions",
        Some(&crm),
        Some(json!({
            "sheets": [], "options": [],
            "fields": [{"sheet": "customer", "field": {"id": "x_industry", "label": "業種", "type": "text"}}],
            "revision": current.body["revision"],
        })),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let csv = "顧客ID,電話番号\r\nC000001,03-9999-0000\r\n";
    let refused = run_import(
        &store,
        context,
        &stored,
        csv.as_bytes(),
        &Claimed::unrecorded(context, &stored).expect("a run id"),
        None,
    );
    let Err(AppError::Refused(refusal)) = refused else {
        panic!("applied under a catalog that changed");
    };
    assert_eq!(
        (refusal.status, refusal.code),
        (StatusCode::CONFLICT, "catalog_changed")
    );
    let phone = call(
        &app,
        Method::GET,
        "/api/linkage/sheets/customer/records/C000001",
        Some(&crm),
        None,
    )
    .await;
    assert_ne!(
        phone.body["record"]["values"]["phone"], "03-9999-0000",
        "nothing applied"
    );
}

#[tokio::test]
async fn a_claimed_run_whose_apply_panics_ends_interrupted_at_once() {
    use sheetlink_server::linkage::claim::{Claim, Claiming, Unfinished, claim};
    use sheetlink_server::store::Linkage as _;
    let (_, store) = common::server("recheck-panic", Config::default());
    let state = sheetlink_server::AppState::new(store.clone(), Config::default());
    let what = Claiming {
        tenant: TENANT,
        kind: sheetlink_server::linkage::RunKind::Batch,
        on_the_spot: false,
        key: "customers",
        sheet: "customer",
        actor: "token",
    };
    let Claim::Go(claimed) = claim(&store, what, None, 300).expect("claims") else {
        panic!("not claimed");
    };
    let id = claimed.id.clone();
    let unfinished = Unfinished::new(&store, TENANT, &claimed);
    let panicked = state
        .run_exclusive(TENANT, move |_| -> Result<(), AppError> {
            let _watching = unfinished;
            panic!("a bug in the apply");
        })
        .await;
    assert!(panicked.is_err());
    let run = store
        .linkage_run(TENANT, &id)
        .expect("reads")
        .expect("the run");
    assert_eq!(
        run.head.status,
        sheetlink_server::linkage::RunStatus::Interrupted,
        "not left running until the next start"
    );
    // The lock was given back: the tenant's next job runs.
    state.run_exclusive(TENANT, |_| Ok(())).await.expect("runs");
    // A run that ended says so and is not touched.
    let Claim::Go(claimed) = claim(&store, what, None, 300).expect("claims") else {
        panic!("not claimed");
    };
    Unfinished::new(&store, TENANT, &claimed).ended();
    let run = store
        .linkage_run(TENANT, &claimed.id)
        .expect("reads")
        .expect("the run");
    assert_eq!(
        run.head.status,
        sheetlink_server::linkage::RunStatus::Running
    );
}
