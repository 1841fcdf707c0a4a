//! Claiming a CRM import run before it is applied, so that a retry never
//! applies twice and a server that stops mid-run leaves a run that says so.
//!
//! 1. The request's Idempotency-Key is looked up and, when new, **claimed**
//!    in a small durable transaction of its own ([`Linkage::claim_run`]):
//!    the run is recorded `running` and the key names it. The tenant's
//!    hourly import limit is counted in the same transaction. This happens
//!    before the request waits for the tenant's import lock, so a retry of
//!    a run in progress is answered at once (`202`, the run `running`).
//! 2. The apply is one transaction that commits the run's result (and the
//!    key again) with the records; until then nothing of it is visible.
//! 3. A run whose apply failed is ended `interrupted` with the reason at
//!    once ([`interrupt`]); a run left `running` by a stopped server is
//!    ended so at start-up ([`recover_interrupted`]). Nothing of either was
//!    applied, so their keys may be used again: the next claim of such a
//!    key records a new run.

use crate::error::AppError;
use crate::idempotency::{Key, Remembered};
use crate::ids::{now, record_id};
use crate::linkage::apply::{BatchStarted, RunContext};
use crate::linkage::{
    Counts, Direction, LinkageRun, Run, RunKind, RunStatus, StoredImportCondition,
};
use crate::notice::{Note, Notice};
use crate::store::{Idempotency, Linkage, RunClaim};

/// Imports (batch and manual, of any outcome) a tenant may start in an
/// hour unless the operator sets another number: ten conditions run every
/// five minutes start 120.
pub const DEFAULT_IMPORTS_PER_HOUR: u32 = 300;

/// A run claimed and recorded `running`: its id and start.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The run's id.
    pub id: String,
    /// When it was claimed, seconds since the epoch.
    pub started: u64,
    head: LinkageRun,
}

impl Claimed {
    /// The run as recorded while it runs.
    pub fn head(&self) -> &LinkageRun {
        &self.head
    }

    /// A run not claimed in the store, with a fresh id and start: a dry
    /// run's (never recorded), or one a caller applies directly, without
    /// a key to claim (benchmarks, tests of the apply itself).
    pub fn unrecorded(
        context: RunContext<'_>,
        stored: &StoredImportCondition,
    ) -> Result<Self, AppError> {
        Ok(Claimed::of(running_head(Claiming {
            tenant: context.tenant,
            kind: context.kind,
            on_the_spot: context.on_the_spot,
            key: &stored.condition.key,
            sheet: &stored.condition.sheet,
            actor: context.actor,
        })?))
    }

    fn of(head: LinkageRun) -> Self {
        Claimed {
            id: head.id.clone(),
            started: head.started_at,
            head,
        }
    }
}

/// A new run of `what`, `running` since now.
fn running_head(what: Claiming<'_>) -> Result<LinkageRun, AppError> {
    let started = now();
    Ok(LinkageRun {
        id: record_id()?,
        kind: what.kind,
        on_the_spot: what.on_the_spot,
        direction: Direction::Import,
        key: what.key.to_owned(),
        sheet: what.sheet.to_owned(),
        actor: what.actor.to_owned(),
        started_at: started,
        ended_at: started,
        status: RunStatus::Running,
        reason: None,
        reason_en: None,
        counts: Counts::default(),
        rows: Vec::new(),
        rows_truncated: false,
        mail_delayed_until: None,
        not_added_to_list: 0,
    })
}

/// A claimed run that has not ended yet. Dropped before [`Unfinished::ended`]
/// — its task panicked, or died with the server's runtime — it ends the run
/// `interrupted`, so no claim is left `running` until the next start.
pub struct Unfinished {
    store: crate::Store,
    tenant: String,
    head: Option<LinkageRun>,
}

impl Unfinished {
    /// Watches `claimed` of `tenant`.
    pub fn new(store: &crate::Store, tenant: &str, claimed: &Claimed) -> Self {
        Unfinished {
            store: store.clone(),
            tenant: tenant.to_owned(),
            head: Some(claimed.head.clone()),
        }
    }

    /// The run ended (its result or its interruption is recorded).
    pub fn ended(mut self) {
        self.head = None;
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(head) = self.head.take() {
            let id = head.id.clone();
            let stopped = end_interrupted(
                &self.store,
                &self.tenant,
                head,
                Notice::ApplyFailed {
                    code: "internal".to_owned(),
                },
            );
            tracing::error!(run = %id, ?stopped, "a claimed run ended without its result; marked interrupted");
        }
    }
}

/// What a run to claim is: who starts it, under which condition, on which
/// sheet.
#[derive(Debug, Clone, Copy)]
pub struct Claiming<'a> {
    /// The tenant.
    pub tenant: &'a str,
    /// Batch or manual.
    pub kind: RunKind,
    /// Whether a manual import maps its file on the spot.
    pub on_the_spot: bool,
    /// The condition's key.
    pub key: &'a str,
    /// The sheet's id.
    pub sheet: &'a str,
    /// Who runs it (`token` or the member's name).
    pub actor: &'a str,
}

/// What claiming came to.
pub enum Claim {
    /// Recorded `running`: apply it.
    Go(Claimed),
    /// Answer this instead (a replay, the run in progress, a conflict).
    Answer(BatchStarted),
}

/// Claims a run (see the module's text): `Go` with the recorded run, or
/// the answer a used key gets; 429 when the tenant reached `per_hour`.
pub fn claim(
    store: &(impl Linkage + Idempotency),
    what: Claiming<'_>,
    idempotency: Option<&Key>,
    per_hour: u32,
) -> Result<Claim, AppError> {
    claim_again(store, what, idempotency, per_hour, 3)
}

fn claim_again(
    store: &(impl Linkage + Idempotency),
    what: Claiming<'_>,
    idempotency: Option<&Key>,
    per_hour: u32,
    attempts_left: u32,
) -> Result<Claim, AppError> {
    // Looked up first in a read snapshot: a retry is answered without
    // waiting for the store's writer, which a run applying holds.
    if let Some(key) = idempotency
        && let Some(remembered) = store.remembered(key.storage_key())?
        && let Some(answer) = used(store, what.tenant, key, &remembered)?
    {
        return Ok(Claim::Answer(answer));
    }
    let head = running_head(what)?;
    let remembered = idempotency.map(|key| key.record(&head.id));
    let key = remembered.as_ref().map(|(key, value)| (*key, value));
    match store.claim_run(what.tenant, &head, key, per_hour)? {
        RunClaim::Recorded => Ok(Claim::Go(Claimed::of(head))),
        RunClaim::KeyUsed(remembered) => {
            // Claimed meanwhile by a concurrent request: answered as its
            // retry — unless that run has been interrupted since, when the
            // key may be claimed again.
            match idempotency {
                Some(key) => match used(store, what.tenant, key, &remembered)? {
                    Some(answer) => Ok(Claim::Answer(answer)),
                    None if attempts_left > 0 => {
                        claim_again(store, what, idempotency, per_hour, attempts_left - 1)
                    }
                    None => Err(AppError::internal("a key kept being interrupted")),
                },
                None => Err(AppError::internal("a used key without a key")),
            }
        }
        RunClaim::TooMany { retry_after } => Err(AppError::too_many(
            "too_many_imports",
            format!(
                "このテナントが1時間に開始できるインポートは{per_hour}件までです。{retry_after}秒後に再度お試しください。"
            ),
            format!(
                "This tenant may start at most {per_hour} imports an hour; try again in {retry_after} seconds."
            ),
            retry_after,
        )
        .with("limit", per_hour)),
        RunClaim::MailQueueFull { retry_after } => Err(AppError::too_many(
            "mail_queue_full",
            format!(
                "この組織の通知メールが送信待ちの上限（24時間分）に達しているため、新しいインポートを開始できません。{retry_after}秒後に再度お試しください。"
            ),
            format!(
                "This tenant's notification e-mails fill its queue (24 hours' worth), so no new import starts now; try again in {retry_after} seconds."
            ),
            retry_after,
        )),
    }
}

/// The answer to a request whose key is already used for `remembered`: a
/// conflict (another body), the run still applying, or its replay; `None`
/// when that run was interrupted (the key may be used again).
fn used(
    store: &impl Linkage,
    tenant: &str,
    key: &Key,
    remembered: &Remembered,
) -> Result<Option<BatchStarted>, AppError> {
    let Some(run) = store.linkage_run(tenant, &remembered.result_id)? else {
        // The run was purged by the retention policy (its key outlived it):
        // it did run, so the key is never run again.
        return Ok(Some(BatchStarted::Conflict));
    };
    Ok(match run.head.status {
        RunStatus::Interrupted => None,
        _ if !key.fingerprints(remembered) => Some(BatchStarted::Conflict),
        RunStatus::Running => Some(BatchStarted::Running(run.render())),
        _ => Some(BatchStarted::Replayed(run.render())),
    })
}

/// Ends a claimed run `interrupted` because its apply failed with `error`
/// (nothing of it was applied: its transaction rolled back), and gives the
/// error back. The run keeps the error's code; the request answers the
/// error itself, and an internal error's details stay in the log.
pub fn interrupt(
    store: &impl Linkage,
    tenant: &str,
    claimed: &Claimed,
    error: AppError,
) -> AppError {
    let (_, body) = error.body();
    let notice = Notice::ApplyFailed { code: body.error };
    if let Err(failed) = end_interrupted(store, tenant, claimed.head.clone(), notice) {
        tracing::error!(run = %claimed.id, error = %failed, "could not mark the run interrupted");
    }
    error
}

/// Marks every run left `running` by a stopped server `interrupted`: its
/// one transaction never committed, so nothing of it was applied. Returns
/// how many.
pub fn recover_interrupted(store: &impl Linkage) -> Result<usize, AppError> {
    let running = store.running_runs()?;
    for (tenant, run) in &running {
        end_interrupted(store, tenant, run.head.clone(), Notice::ServerStopped)?;
    }
    Ok(running.len())
}

fn end_interrupted(
    store: &impl Linkage,
    tenant: &str,
    mut head: LinkageRun,
    why: Notice,
) -> Result<(), AppError> {
    head.status = RunStatus::Interrupted;
    head.ended_at = now();
    let run = Run {
        head,
        rows: Vec::new(),
        reason: vec![Note::at(None, why)],
    };
    store.write_crm(tenant, |tx| tx.record_run(&run))
}
