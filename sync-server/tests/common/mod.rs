//! What the API tests share: a fresh server on a fresh data directory with
//! the demo tenant, plus one plain member (`member` / `member-pass`) who may
//! sign in.

use axum::Router;
use sheetlink_server::auth::hash_password;
use sheetlink_server::model::{Member, Role};
use sheetlink_server::seed::{DEMO_TENANT, seed_demo};
use sheetlink_server::store::tables::{LOGINS, MEMBERS};
use sheetlink_server::store::{get_json, to_json};
use sheetlink_server::{AppState, Config, Store, app};

/// A server named `name` (for its data directory) with `config`.
pub(crate) fn server(name: &str, config: Config) -> (Router, Store) {
    let dir = std::env::temp_dir().join(format!("sheetlink-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("database opens");
    seed_demo(&store).expect("demo seeds");
    store.with_db(|db| {
        let key = format!("{DEMO_TENANT}/e0001");
        let mut member: Member = get_json(db, MEMBERS, &key)
            .expect("reads")
            .expect("e0001 exists");
        assert_eq!(member.role, Role::Member);
        member.login_id = Some("member".into());
        member.password_hash = Some(hash_password("member-pass").expect("hashes"));
        let write = db.begin_write().expect("write");
        {
            let mut members = write.open_table(MEMBERS).expect("members");
            members
                .insert(key.as_str(), to_json(&member).expect("json").as_slice())
                .expect("insert");
            let mut logins = write.open_table(LOGINS).expect("logins");
            logins.insert("member", key.as_str()).expect("insert");
        }
        write.commit().expect("commit");
    });
    let config = Config {
        data_dir: dir,
        ..config
    };
    (app(AppState::new(store.clone(), config)), store)
}
