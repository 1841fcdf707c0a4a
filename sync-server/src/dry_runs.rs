//! Dry-run plans kept for paging: of an evaluation import, the checked
//! batch (not its cells' diffs), so that its changed cells can be read page
//! by page; of a manual CRM import, its per-row results.
//!
//! Bounded three ways: a plan lives [`PLAN_SECONDS`]; a tenant keeps at most
//! [`PLANS_PER_TENANT`] (its own oldest goes first); and all plans of a kind
//! together weigh at most [`PLAN_BYTES_IN_ALL`] — a plan is weighed at
//! twice its uploaded file (the engine's compact batch, or the row
//! results). When the budget is full a new plan is refused with 429 and
//! when to retry ([`busy`]); no tenant's plan is ever pushed out by
//! another tenant's. A plan is read only by the member who ran it; to
//! anyone else it does not exist. Plans live in this server's memory: with
//! several servers behind one address, pages need sticky routing or a
//! shared store (noted in ARCHITECTURE.md).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::imports::Prepared;
use crate::model::{CustomizeSheet, Period};

/// What an evaluation import's dry run keeps.
pub struct EvaluationPlan {
    /// The period it checked against.
    pub period: Period,
    /// The sheet.
    pub sheet: CustomizeSheet,
    /// The checked batch.
    pub prepared: Prepared,
}

/// How long a plan can be paged.
pub const PLAN_SECONDS: u64 = 30 * 60;
/// Plans kept per tenant.
pub const PLANS_PER_TENANT: usize = 2;
/// What all plans of one kind may weigh together (a plan weighs twice its
/// file: four 30 MB files' plans).
pub const PLAN_BYTES_IN_ALL: usize = 256 * 1024 * 1024;

/// What a plan of a file of `file_bytes` is taken to weigh.
pub fn weight(file_bytes: usize) -> usize {
    file_bytes.saturating_mul(2).max(1)
}

/// The 429 of a full budget: retry once the oldest plan has expired.
pub fn busy(retry_after: u64) -> crate::error::AppError {
    crate::error::AppError::too_many(
        "dry_runs_busy",
        format!(
            "サーバーが混み合っているため、今は反映前の確認ができません。{retry_after}秒後にもう一度お試しください。"
        ),
        format!(
            "The server is busy and cannot check a file before applying now; try again in {retry_after} seconds."
        ),
        retry_after,
    )
}

/// One kept plan.
pub struct Plan<P> {
    /// Its id (random, unguessable).
    pub id: String,
    /// Whose it is.
    pub tenant: String,
    /// The member who ran it.
    pub member: String,
    /// What the dry run found.
    pub content: P,
    created: Instant,
    bytes: usize,
}

impl<P> std::ops::Deref for Plan<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.content
    }
}

/// The kept plans of one kind, oldest first.
pub struct DryRuns<P = EvaluationPlan> {
    plans: Arc<Mutex<Vec<Arc<Plan<P>>>>>,
}

impl<P> Clone for DryRuns<P> {
    fn clone(&self) -> Self {
        DryRuns {
            plans: self.plans.clone(),
        }
    }
}

impl<P> Default for DryRuns<P> {
    fn default() -> Self {
        DryRuns {
            plans: Arc::default(),
        }
    }
}

impl<P> DryRuns<P> {
    /// Whether a plan of `bytes` for `tenant` would be kept now: `Err` with
    /// the seconds until there is room. Asked before a dry run's work, so a
    /// full server refuses at once.
    pub fn room_for(&self, tenant: &str, bytes: usize) -> Result<(), u64> {
        let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        room(&mut plans, tenant, bytes)
    }

    /// Keeps a plan weighing `bytes` (see [`weight`]): the tenant's own
    /// oldest goes when it has [`PLANS_PER_TENANT`]; when the plans of
    /// every tenant would weigh more than [`PLAN_BYTES_IN_ALL`], nothing is
    /// pushed out and `Err` says in how many seconds to retry.
    pub fn keep(
        &self,
        id: String,
        tenant: &str,
        member: &str,
        content: P,
        bytes: usize,
    ) -> Result<(), u64> {
        let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        room(&mut plans, tenant, bytes)?;
        if plans.iter().filter(|p| p.tenant == tenant).count() >= PLANS_PER_TENANT
            && let Some(oldest) = plans.iter().position(|p| p.tenant == tenant)
        {
            plans.remove(oldest);
        }
        plans.push(Arc::new(Plan {
            id,
            tenant: tenant.to_owned(),
            member: member.to_owned(),
            content,
            created: Instant::now(),
            bytes,
        }));
        Ok(())
    }

    /// The plan `id` if it is still kept and `member` of `tenant` ran it.
    pub fn find(&self, id: &str, tenant: &str, member: &str) -> Option<Arc<Plan<P>>> {
        let plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        plans
            .iter()
            .find(|p| {
                p.id == id
                    && p.tenant == tenant
                    && p.member == member
                    && p.created.elapsed() < Duration::from_secs(PLAN_SECONDS)
            })
            .cloned()
    }

    /// How many plans are kept (for tests).
    pub fn len(&self) -> usize {
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no plan is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drops expired plans, then whether a plan of `bytes` for `tenant` fits:
/// the tenant's own oldest plan counts as gone when the tenant is at its
/// number (keeping will replace it); other tenants' plans stay.
fn room<P>(plans: &mut Vec<Arc<Plan<P>>>, tenant: &str, bytes: usize) -> Result<(), u64> {
    let life = Duration::from_secs(PLAN_SECONDS);
    plans.retain(|p| p.created.elapsed() < life);
    let own: Vec<&Arc<Plan<P>>> = plans.iter().filter(|p| p.tenant == tenant).collect();
    let replaced = if own.len() >= PLANS_PER_TENANT {
        own.first().map_or(0, |p| p.bytes)
    } else {
        0
    };
    let kept: usize = plans.iter().map(|p| p.bytes).sum::<usize>() - replaced;
    if kept.saturating_add(bytes) <= PLAN_BYTES_IN_ALL {
        return Ok(());
    }
    // Room comes when the oldest plan expires.
    let oldest = plans
        .iter()
        .map(|p| p.created.elapsed())
        .max()
        .unwrap_or_default();
    Err(life.saturating_sub(oldest).as_secs().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_tenant_pushes_out_another_and_a_full_budget_says_when() {
        let plans: DryRuns<()> = DryRuns::default();
        let big = PLAN_BYTES_IN_ALL / 4;
        // Three tenants check files at once: each keeps its plans.
        for tenant in ["a", "b", "c"] {
            plans
                .keep(format!("{tenant}1"), tenant, "m", (), big / 2)
                .expect("room");
        }
        for tenant in ["a", "b", "c"] {
            assert!(plans.find(&format!("{tenant}1"), tenant, "m").is_some());
        }
        // A tenant's third plan replaces its own first.
        plans
            .keep("a2".into(), "a", "m", (), big / 2)
            .expect("room");
        plans
            .keep("a3".into(), "a", "m", (), big / 2)
            .expect("room");
        assert!(plans.find("a1", "a", "m").is_none());
        assert!(plans.find("a2", "a", "m").is_some());
        assert!(plans.find("b1", "b", "m").is_some(), "b's plan stays");
        // The budget full: refused with when to retry, nothing pushed out.
        plans
            .keep("d1".into(), "d", "m", (), big * 2)
            .expect("room");
        let before = plans.len();
        let wait = plans
            .keep("e1".into(), "e", "m", (), big)
            .expect_err("the budget is full");
        assert!((1..=PLAN_SECONDS).contains(&wait), "{wait}");
        assert_eq!(plans.room_for("e", big), Err(wait));
        assert_eq!(plans.len(), before);
        for (id, tenant) in [
            ("a2", "a"),
            ("a3", "a"),
            ("b1", "b"),
            ("c1", "c"),
            ("d1", "d"),
        ] {
            assert!(plans.find(id, tenant, "m").is_some(), "{id} stays");
        }
        // Only the member who ran a plan reads it.
        assert!(plans.find("b1", "b", "other").is_none());
    }
}
