//! The sign-in throttle counts one account however its login is spelled: a
//! property over the store's own sign-in look-up — any two spellings (case,
//! spaces, the tenant after `@` or in its field) that sign in as the same
//! member map to one throttle account, on a server with one tenant and on
//! one with two.

mod common;

use proptest::prelude::*;
use sheetlink_protocol::accounts::NewTenant;
use sheetlink_server::Config;
use sheetlink_server::auth::Account;
use sheetlink_server::store::Organisation as _;

/// A spelling of `login` of `tenant`: each letter's case, spaces around
/// the login, before the `@`, around the tenant field; the tenant after
/// `@`, in the field, both, or neither.
fn spelling(
    login: &'static str,
    tenant: &'static str,
) -> impl Strategy<Value = (Option<String>, String)> {
    let cased = |text: &'static str| {
        proptest::collection::vec(any::<bool>(), text.len()).prop_map(move |upper| {
            text.chars()
                .zip(upper)
                .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                .collect::<String>()
        })
    };
    let space = || prop_oneof![Just(""), Just(" "), Just("  "), Just("\t")];
    (
        cased(login),
        cased(tenant),
        space(),
        space(),
        space(),
        0..4u8,
    )
        .prop_map(move |(login, tenant, before, at, after, form)| {
            let suffixed = format!("{before}{login}{at}@{}{after}", tenant.to_ascii_lowercase());
            let bare = format!("{before}{login}{after}");
            let field = Some(format!("{at}{tenant}{after}"));
            match form {
                0 => (None, bare),
                1 => (None, suffixed),
                2 => (field, bare),
                _ => (field, suffixed),
            }
        })
}

fn accounts_agree(
    store: &sheetlink_server::Store,
    a: &(Option<String>, String),
    b: &(Option<String>, String),
) {
    let look_up = |(tenant, login): &(Option<String>, String)| {
        let found = store.login(tenant.as_deref(), login);
        // As sign-in does: no tenant resolves (several, none named) → none.
        let resolved = store.login_account(tenant.as_deref(), login).ok().flatten();
        let account = Account::of_look_up(&found, resolved, tenant.as_deref(), login);
        (found.ok().flatten().map(|(t, m)| (t, m.id)), account)
    };
    let (found_a, account_a) = look_up(a);
    let (found_b, account_b) = look_up(b);
    if found_a.is_some() && found_a == found_b {
        assert_eq!(
            account_a, account_b,
            "{a:?} and {b:?} sign in as one member"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn spellings_of_one_member_share_one_account_on_a_one_tenant_server(
        a in spelling("admin", "demo"),
        b in spelling("admin", "demo"),
    ) {
        let store = one_tenant();
        accounts_agree(store, &a, &b);
    }

    #[test]
    fn spellings_of_one_member_share_one_account_on_a_two_tenant_server(
        a in spelling("admin", "demo"),
        b in spelling("admin", "demo"),
    ) {
        let store = two_tenants();
        accounts_agree(store, &a, &b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// A login id that is nobody's is counted like a member's: every
    /// spelling that resolves to it shares one account, so the throttle
    /// cannot tell an existing login id from an unknown one.
    #[test]
    fn spellings_of_a_login_that_is_nobodys_share_one_account_too(
        a in spelling("ghost", "demo"),
        b in spelling("ghost", "demo"),
    ) {
        let store = one_tenant();
        let account = |(tenant, login): &(Option<String>, String)| {
            let found = store.login(tenant.as_deref(), login);
            assert!(matches!(found, Ok(None)), "{login:?} signs nobody in");
            let resolved = store.login_account(tenant.as_deref(), login).expect("resolves");
            Account::of_look_up(&found, resolved, tenant.as_deref(), login)
        };
        prop_assert_eq!(account(&a), account(&b));
    }
}

/// Every spelling the property generates does sign in (so the property is
/// not vacuous): one of each form.
#[test]
fn the_spellings_do_sign_in() {
    for (tenant, login) in [
        (None, " ADMIN "),
        (None, "Admin @DEMO"),
        (Some(" Demo "), "admin"),
        (Some("demo"), "admin@demo"),
    ] {
        let found = one_tenant().login(tenant, login).expect("reads");
        assert!(found.is_some(), "{tenant:?} {login:?}");
    }
    let found = two_tenants().login(None, "Admin @demo").expect("reads");
    assert!(found.is_some());
}

fn one_tenant() -> &'static sheetlink_server::Store {
    static STORE: std::sync::OnceLock<sheetlink_server::Store> = std::sync::OnceLock::new();
    STORE.get_or_init(|| common::server("throttle-one", Config::default()).1)
}

fn two_tenants() -> &'static sheetlink_server::Store {
    static STORE: std::sync::OnceLock<sheetlink_server::Store> = std::sync::OnceLock::new();
    STORE.get_or_init(|| {
        let (_, store) = common::server("throttle-two", Config::default());
        sheetlink_server::accounts::create_tenant(
            &store,
            &Config::default(),
            &NewTenant {
                id: "beta".into(),
                name: "ベータ商事".into(),
                admin_login: "admin".into(),
                admin_name: "ベータ 管理者".into(),
            },
        )
        .expect("creates");
        store
    })
}
