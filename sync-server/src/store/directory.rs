//! Members as sign-in and every request need them: who a login id is, and a
//! member by id. Behind the storage seam (async; see `sessions`).

use std::future::Future;
use std::sync::Arc;

use crate::error::AppError;
use crate::model::Member;
use crate::store::{get_json, get_login};
use crate::tables::MEMBERS;

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

/// The redb backend of [`Directory`] (the main database).
#[derive(Clone)]
pub struct RedbDirectory {
    db: Arc<redb::Database>,
}

impl RedbDirectory {
    /// Members in this database.
    pub fn new(db: Arc<redb::Database>) -> Self {
        RedbDirectory { db }
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&redb::Database) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || job(&db))
            .await
            .map_err(AppError::internal)?
    }
}

impl Directory for RedbDirectory {
    async fn by_login(&self, login_id: String) -> Result<Option<(String, Member)>, AppError> {
        self.run(move |db| {
            let Some(key) = get_login(db, &login_id)? else {
                return Ok(None);
            };
            let tenant = key.split('/').next().unwrap_or_default().to_owned();
            Ok(get_json::<Member>(db, MEMBERS, &key)?.map(|member| (tenant, member)))
        })
        .await
    }

    async fn member(&self, tenant: String, id: String) -> Result<Option<Member>, AppError> {
        self.run(move |db| get_json(db, MEMBERS, &format!("{tenant}/{id}")))
            .await
    }
}
