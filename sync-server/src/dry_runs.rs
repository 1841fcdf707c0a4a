//! Dry-run plans kept for paging: the checked batch (not its cells' diffs)
//! of a recent dry run, so that its changed cells can be read page by page.
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

/// How long a plan can be paged.
pub const PLAN_SECONDS: u64 = 30 * 60;
/// Plans kept per tenant.
pub const PLANS_PER_TENANT: usize = 2;
/// Plans kept in all.
pub const PLANS_IN_ALL: usize = 4;

/// One kept plan.
pub struct Plan {
    /// Its id (random, unguessable).
    pub id: String,
    /// Whose it is.
    pub tenant: String,
    /// The member who ran it.
    pub member: String,
    /// The period and sheet it checked against.
    pub period: Period,
    /// The sheet.
    pub sheet: CustomizeSheet,
    /// The checked batch.
    pub prepared: Prepared,
    created: Instant,
}

/// The kept plans, oldest first.
#[derive(Clone, Default)]
pub struct DryRuns {
    plans: Arc<Mutex<Vec<Arc<Plan>>>>,
}

impl DryRuns {
    /// Keeps a plan, making room as the bounds say.
    pub fn keep(
        &self,
        id: String,
        tenant: &str,
        member: &str,
        period: Period,
        sheet: CustomizeSheet,
        prepared: Prepared,
    ) {
        let plan = Arc::new(Plan {
            id,
            tenant: tenant.to_owned(),
            member: member.to_owned(),
            period,
            sheet,
            prepared,
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
    pub fn find(&self, id: &str, tenant: &str, member: &str) -> Option<Arc<Plan>> {
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
