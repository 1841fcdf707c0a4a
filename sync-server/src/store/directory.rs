//! Members as sign-in and every request need them: who a login id is, and a
//! member by id. Behind the storage seam (async; see `sessions`).

use std::future::Future;

use crate::error::AppError;
use crate::model::Member;
use crate::store::{Organisation, Store};

/// Looking members up.
pub trait Directory: Send + Sync {
    /// The member a login id signs in as, with their tenant (see
    /// [`Organisation::login`]: the tenant named, by `login@tenant`, or the
    /// only one).
    fn by_login(
        &self,
        tenant: Option<String>,
        login_id: String,
    ) -> impl Future<Output = Result<Option<(String, Member)>, AppError>> + Send;

    /// Member `id` of `tenant`, if a session with `access` may act for them
    /// (see [`Organisation::signed_in`]).
    fn signed_in(
        &self,
        tenant: String,
        id: String,
        access: u64,
    ) -> impl Future<Output = Result<Option<Member>, AppError>> + Send;
}

/// The redb backend of [`Directory`]: the [`Organisation`] reads of a
/// [`Store`], each on the blocking pool.
#[derive(Clone)]
pub struct RedbDirectory {
    store: Store,
}

impl RedbDirectory {
    /// Members in this store.
    pub fn new(store: Store) -> Self {
        RedbDirectory { store }
    }
}

impl Directory for RedbDirectory {
    async fn by_login(
        &self,
        tenant: Option<String>,
        login_id: String,
    ) -> Result<Option<(String, Member)>, AppError> {
        self.store
            .run(move |store| store.login(tenant.as_deref(), &login_id))
            .await
    }

    async fn signed_in(
        &self,
        tenant: String,
        id: String,
        access: u64,
    ) -> Result<Option<Member>, AppError> {
        self.store
            .run(move |store| Organisation::signed_in(store, &tenant, &id, access))
            .await
    }
}
