//! The storage seam's conformance suite: each operation exercised directly,
//! with the guarantees it promises, as a generic function over the trait —
//! so that a second backend (PostgreSQL) is held to the very same tests by
//! adding one line per suite. Today: sessions and the member directory on
//! redb.

use sheetlink_server::Store;
use sheetlink_server::model::Session;
use sheetlink_server::store::{Directory, Sessions};

fn session(member: &str, expires_at: u64) -> Session {
    Session {
        tenant: "t".into(),
        member: member.into(),
        expires_at,
    }
}

/// What any [`Sessions`] backend must do.
async fn sessions_conform(sessions: &impl Sessions) {
    let now = 1_000;
    assert_eq!(
        sessions.find("missing".into(), now).await.expect("finds"),
        None
    );

    sessions
        .open("a".into(), session("m1", now + 60))
        .await
        .expect("opens");
    assert_eq!(
        sessions.find("a".into(), now).await.expect("finds"),
        Some(session("m1", now + 60))
    );
    // Expired at its expiry second, not one later.
    assert_eq!(
        sessions.find("a".into(), now + 60).await.expect("finds"),
        None
    );

    // The same key again replaces the session.
    sessions
        .open("a".into(), session("m2", now + 120))
        .await
        .expect("opens");
    assert_eq!(
        sessions
            .find("a".into(), now)
            .await
            .expect("finds")
            .map(|s| s.member),
        Some("m2".to_owned())
    );

    // Closing ends it; closing what is not there is no error.
    sessions.close("a".into()).await.expect("closes");
    assert_eq!(sessions.find("a".into(), now).await.expect("finds"), None);
    sessions.close("a".into()).await.expect("closes nothing");

    // Purging removes exactly the expired ones.
    for (key, expires) in [("old1", now - 1), ("old2", now), ("live", now + 1)] {
        sessions
            .open(key.into(), session(key, expires))
            .await
            .expect("opens");
    }
    assert_eq!(sessions.purge_expired(now).await.expect("purges"), 2);
    assert_eq!(sessions.purge_expired(now).await.expect("purges"), 0);
    assert!(
        sessions
            .find("live".into(), now)
            .await
            .expect("finds")
            .is_some()
    );

    // Many sessions: every one is kept.
    for i in 0..20 {
        sessions
            .open(format!("c{i}"), session("many", now + 60))
            .await
            .expect("opens");
    }
    for i in 0..20 {
        assert!(
            sessions
                .find(format!("c{i}"), now)
                .await
                .expect("finds")
                .is_some()
        );
    }
}

#[tokio::test]
async fn redb_sessions_conform() {
    let dir = std::env::temp_dir().join(format!("sheetlink-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    sessions_conform(&store.sessions()).await;
    // Durable: a store opened again on the directory sees them.
    drop(store);
    let again = Store::open(&dir).expect("opens again");
    assert!(
        again
            .sessions()
            .find("live".into(), 1_000)
            .await
            .expect("finds")
            .is_some()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What any [`Directory`] backend must do, over the demo tenant.
async fn directory_conforms(directory: &impl Directory) {
    use sheetlink_server::seed::{DEMO_ADMIN, DEMO_TENANT};
    let (tenant, admin) = directory
        .by_login(DEMO_ADMIN.0.into())
        .await
        .expect("finds")
        .expect("the demo admin");
    assert_eq!(tenant, DEMO_TENANT);
    assert!(admin.password_hash.is_some());
    assert_eq!(
        directory.by_login("nobody".into()).await.expect("finds"),
        None
    );
    let again = directory
        .member(tenant.clone(), admin.id.clone())
        .await
        .expect("finds")
        .expect("the same member");
    assert_eq!(again, admin);
    assert_eq!(
        directory
            .member("another-tenant".into(), admin.id.clone())
            .await
            .expect("finds"),
        None,
        "a member belongs to one tenant"
    );
}

#[tokio::test]
async fn redb_directory_conforms() {
    let dir =
        std::env::temp_dir().join(format!("sheetlink-conformance-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("opens");
    sheetlink_server::seed::seed_demo(&store).expect("seeds");
    directory_conforms(&store.directory()).await;
    let _ = std::fs::remove_dir_all(&dir);
}
