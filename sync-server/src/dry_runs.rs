//! Dry-run plans kept for paging: of an evaluation import, the checked
//! batch (not its cells' diffs), so that its changed cells can be read page
//! by page; of a manual CRM import, its per-row results.
//!
//! Bounded three ways: a plan lives [`PLAN_SECONDS`], a tenant keeps at most
//! [`PLANS_PER_TENANT`] and the server at most [`PLANS_IN_ALL`] (the oldest
//! goes first); a plan holds about the uploaded file's size (the engine's
//! compact batch). A plan is read only by the member who ran it; to anyone
//! else it does not exist. Plans live in this server's memory: with several
//! servers behind one address, pages need sticky routing or a shared store
//! (noted in ARCHITECTURE.md).

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
/// Plans kept in all.
pub const PLANS_IN_ALL: usize = 4;

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
    /// Keeps a plan, making room as the bounds say.
    pub fn keep(&self, id: String, tenant: &str, member: &str, content: P) {
        let plan = Arc::new(Plan {
            id,
            tenant: tenant.to_owned(),
            member: member.to_owned(),
            content,
            created: Instant::now(),
        });
        let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        plans.retain(|p| p.created.elapsed() < Duration::from_secs(PLAN_SECONDS));
        if let Some(oldest) = (plans.iter().filter(|p| p.tenant == tenant).count()
            >= PLANS_PER_TENANT)
            .then(|| plans.iter().position(|p| p.tenant == tenant))
            .flatten()
        {
            plans.remove(oldest);
        }
        if plans.len() >= PLANS_IN_ALL {
            plans.remove(0);
        }
        plans.push(plan);
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
