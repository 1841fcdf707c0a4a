//! Members as sign-in and every request need them: who a login id is, and a
//! member by id. Behind the storage seam (async; see `sessions`).

use std::future::Future;

use crate::error::AppError;
use crate::model::Member;
use crate::store::{Organisation, Store};

/// Looking members up.
pub trait Directory: Send + Sync {
    /// The member a login id signs in as, with their tenant (`None` for an
    /// unknown login id).
    fn by_login(
        &self,
        login_id: String,
    ) -> impl Future<Output = Result<Option<(String, Member)>, AppError>> + Send;

    /// Member `id` of `tenant`.
    fn member(
        &self,
        tenant: String,
        id: String,
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
    async fn by_login(&self, login_id: String) -> Result<Option<(String, Member)>, AppError> {
        self.store.run(move |store| store.login(&login_id)).await
    }

    async fn member(&self, tenant: String, id: String) -> Result<Option<Member>, AppError> {
        self.store
            .run(move |store| Organisation::member(store, &tenant, &id))
            .await
    }
}
