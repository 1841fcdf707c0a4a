//! What the API tests share: a fresh server on a fresh data directory with
//! the demo tenant, plus one plain member (`member` / `member-pass`) who may
//! sign in.

pub(crate) mod http;

use axum::Router;
use sheetlink_server::auth::hash_password;
use sheetlink_server::model::Roles;
use sheetlink_server::seed::{DEMO_TENANT, seed_demo};
use sheetlink_server::store::{Accounts as _, Change};
use sheetlink_server::{AppState, Config, Store, app};

/// A server named `name` (for its data directory) with `config`.
pub(crate) fn server(name: &str, config: Config) -> (Router, Store) {
    let dir = std::env::temp_dir().join(format!("sheetlink-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("database opens");
    seed_demo(&store).expect("demo seeds");
    // The demo's plain member signs in as `member`; the tests know its
    // password as `member-pass`.
    let hash = hash_password("member-pass").expect("hashes");
    store
        .update_member(DEMO_TENANT, "e0001", |member| {
            assert_eq!(member.roles, Roles::default());
            assert_eq!(member.login_id.as_deref(), Some("member"));
            member.password_hash = Some(hash);
            Ok(((), Change::default()))
        })
        .expect("writes")
        .expect("e0001 exists");
    let config = Config {
        data_dir: dir,
        ..config
    };
    (app(AppState::new(store.clone(), config)), store)
}
