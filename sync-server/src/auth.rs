//! Passwords (argon2id with OWASP's parameters), sessions (random tokens,
//! stored only as SHA-256 hashes) and the `Caller` extractor.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::ids::now;
use crate::model::Member;
use crate::store::{Directory as _, Sessions as _};

/// The session cookie's name over plain HTTP (a loopback demo).
pub const SESSION_COOKIE: &str = "sheetlink_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes the
/// browser refuse it unless it is `Secure`, for this host only and `Path=/`.
pub const SECURE_SESSION_COOKIE: &str = "__Host-sheetlink_session";

/// The session cookie's name.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// How long a session lasts: one working day.
pub const SESSION_SECONDS: u64 = 12 * 60 * 60;

/// argon2id with OWASP's minimum recommendation: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (salt and parameters included).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(AppError::internal)
}

/// A hash no password matches, verified for unknown login ids so that the
/// answer takes as long either way.
pub fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let hash = hash_password("not a password of anyone")?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

/// Checks a password against a stored PHC string, in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// The key a session token is stored under: its SHA-256, hex.
pub fn token_key(token: &str) -> String {
    crate::ids::hex(&Sha256::digest(token.as_bytes()))
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}")
}

/// The `Set-Cookie` value that ends a session.
pub fn expired_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// The session token sent with a request, if any, in the cookie of that
/// name.
pub fn request_token(parts: &Parts, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| cookie.trim().strip_prefix(name)?.strip_prefix('='))
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// The signed-in member making a request. Extracting it fails with 401 when
/// there is no valid session: every handler that takes a `Caller` is
/// protected by construction.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The caller's tenant.
    pub tenant: String,
    /// The caller.
    pub member: Member,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = request_token(parts, state.config.https()).ok_or(AppError::Unauthorized)?;
        let session = state
            .store
            .sessions()
            .find(token_key(&token), now())
            .await?
            .ok_or(AppError::Unauthorized)?;
        // A deactivated member, a disabled tenant, or changed access (roles,
        // password) ends the session at its next request.
        let member = state
            .store
            .directory()
            .signed_in(session.tenant.clone(), session.member, session.access)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Caller {
            tenant: session.tenant,
            member,
        })
    }
}

/// Failed sign-ins in a row after which a login id is locked for a while.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a locked login id (or address) waits, in seconds.
pub const LOGIN_LOCK_SECONDS: u64 = 15 * 60;
/// Failed sign-ins from one client address, whatever the login ids, after
/// which the address is locked (password spraying across many ids).
pub const MAX_FAILED_LOGINS_PER_ADDRESS: u32 = 30;
/// The longest login id accepted; a longer one is refused before anything
/// is stored or hashed.
pub const MAX_LOGIN_ID_BYTES: usize = 256;
/// The most unknown accounts (login ids that are nobody's) the throttle
/// remembers at once; as many addresses again, apart.
pub const MAX_THROTTLE_ENTRIES: usize = 100_000;
/// The most known accounts remembered before expired ones are dropped: a
/// known account is a member, so this table is bounded by the members who
/// failed a sign-in in the last [`LOGIN_LOCK_SECONDS`].
const KNOWN_PRUNE_AT: usize = 100_000;

/// What the throttle counts an account under when no member is found for
/// it: the tenant (typed in its field, or after the last `@` when that is a
/// tenant id: `sato@acme` counts with tenant `acme` and `sato`) and the
/// login id, folded. Without a tenant, the login id alone. A member found
/// is counted by who they are instead ([`Account::of`]).
pub fn account_key(tenant: Option<&str>, login_id: &str) -> String {
    use sheetlink_protocol::naming::{IdKind, check_id, login_key};
    let login = login_key(login_id);
    let typed = tenant
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty());
    let (tenant, login) = match typed {
        Some(tenant) => {
            let bare = login
                .strip_suffix(&format!("@{tenant}"))
                .map(str::trim_end)
                .filter(|bare| !bare.is_empty())
                .unwrap_or(&login)
                .to_owned();
            (tenant, bare)
        }
        None => match login.rsplit_once('@') {
            Some((name, tenant))
                if !name.trim().is_empty() && check_id(IdKind::Tenant, tenant).is_ok() =>
            {
                (tenant.to_owned(), name.trim_end().to_owned())
            }
            _ => (String::new(), login.clone()),
        },
    };
    format!("id:{tenant}/{login}")
}

/// The account a sign-in attempt is counted under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Account {
    /// A member sign-in resolved the attempt to: `tenant/member id`, however
    /// the login id and tenant were spelled.
    Known(String),
    /// Nobody's: the typed tenant and login id, folded ([`account_key`]).
    Unknown(String),
}

impl Account {
    /// The account of an attempt whose sign-in look-up found `found` (the
    /// tenant and member the credentials would sign in as), with the
    /// tenant and login id as typed.
    pub fn of(found: Option<(&str, &Member)>, tenant: Option<&str>, login_id: &str) -> Self {
        match found {
            Some((tenant, member)) => Account::Known(format!("{tenant}/{}", member.id)),
            None => Account::Unknown(account_key(tenant, login_id)),
        }
    }

    /// The account of an attempt whose sign-in look-up answered `found`
    /// (sign-in's own answer, so the two cannot disagree): the member it
    /// found; else the account sign-in resolves the credentials to without
    /// a member (`resolved`: tenant and folded login id, as
    /// `Organisation::login_account` answers), so that every spelling of a
    /// login id that is nobody's shares one count too; else the typed
    /// tenant and login id.
    pub fn of_look_up(
        found: &Result<Option<(String, Member)>, AppError>,
        resolved: Option<(String, String)>,
        tenant: Option<&str>,
        login_id: &str,
    ) -> Self {
        match (found, resolved) {
            (Ok(Some((tenant, member))), _) => Account::of(Some((tenant, member)), None, login_id),
            (_, Some((tenant, login))) => Account::Unknown(format!("id:{tenant}/{login}")),
            _ => Account::of(None, tenant, login_id),
        }
    }

    /// The account of a signed-in member (changing one's own password).
    pub fn member(tenant: &str, member: &str) -> Self {
        Account::Known(format!("{tenant}/{member}"))
    }
}

/// What the throttle counts a client address under: an IPv4 address, or
/// the /64 of an IPv6 one (a single IPv6 client usually holds a whole /64).
pub fn address_key(address: std::net::IpAddr) -> String {
    match address.to_canonical() {
        std::net::IpAddr::V4(v4) => format!("ip:{v4}"),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// One remembered account or address: attempts that did not succeed, the
/// time of the last one, and the count at which it locks.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: u64,
    limit: u32,
}

impl Failures {
    fn locked_until(&self, now: u64) -> Option<u64> {
        let until = self.last + LOGIN_LOCK_SECONDS;
        (self.count >= self.limit && until > now).then_some(until)
    }

    fn expired(&self, now: u64) -> bool {
        self.last + LOGIN_LOCK_SECONDS <= now
    }
}

/// Which table an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Known,
    Unknown,
    Addresses,
}

/// The throttle's three tables, apart, each bounded on its own.
#[derive(Debug, Default)]
struct Tables {
    /// Members' accounts: bounded by the members that failed lately.
    known: std::collections::HashMap<String, Failures>,
    /// Login ids that are nobody's: at most [`MAX_THROTTLE_ENTRIES`].
    unknown: std::collections::HashMap<String, Failures>,
    /// Client addresses: at most [`MAX_THROTTLE_ENTRIES`].
    addresses: std::collections::HashMap<String, Failures>,
}

impl Tables {
    fn table(&mut self, table: Table) -> &mut std::collections::HashMap<String, Failures> {
        match table {
            Table::Known => &mut self.known,
            Table::Unknown => &mut self.unknown,
            Table::Addresses => &mut self.addresses,
        }
    }

    /// Makes room for one more entry in `table`. Expired entries go first.
    /// The known accounts are never evicted otherwise (a member's count is
    /// never reset by anybody else's attempts); the other two, when still
    /// full, forget their oldest tenth, unlocked ones before locked ones —
    /// never refusing an account or address that was not tried.
    fn make_room(&mut self, table: Table, now: u64) {
        let bound = match table {
            Table::Known => KNOWN_PRUNE_AT,
            Table::Unknown | Table::Addresses => MAX_THROTTLE_ENTRIES,
        };
        let entries = self.table(table);
        if entries.len() < bound {
            return;
        }
        entries.retain(|_, entry| !entry.expired(now));
        if table == Table::Known || entries.len() < bound {
            return;
        }
        let mut by_age: Vec<(bool, u64, String)> = entries
            .iter()
            .map(|(key, e)| (e.locked_until(now).is_some(), e.last, key.clone()))
            .collect();
        let forget = (bound / 10).max(1);
        by_age.select_nth_unstable(forget - 1);
        for (_, _, key) in by_age.into_iter().take(forget) {
            entries.remove(&key);
        }
    }
}

/// Counts sign-in attempts — the web sign-in, the batch API's HTTP Basic and
/// changing one's own password — per account and per client address, and
/// locks an account for [`LOGIN_LOCK_SECONDS`] after [`MAX_FAILED_LOGINS`]
/// failures, an address after [`MAX_FAILED_LOGINS_PER_ADDRESS`].
///
/// - An account is the member sign-in resolves the attempt to (tenant and
///   member id), so every spelling of one login (`sato`, `SATO`, `sato@acme`,
///   `sato @acme`, the tenant in its field) shares one count. A login id that
///   is nobody's is counted exactly like a member's, under its typed form.
/// - An attempt is counted *before* its password is verified ([`begin`]), in
///   one step with the lock check, so parallel guesses cannot all pass the
///   check; a success takes its count back.
/// - Members, unknown login ids and addresses are kept apart and bounded
///   each ([`Tables::make_room`]): a flood of attempts at nonexistent ids from
///   many addresses cannot evict or reset a member's count, and never makes
///   the throttle refuse an account or address it did not try.
///
/// Kept in memory: a restart forgets it (moving it into the store is the
/// many-servers issue's).
///
/// [`begin`]: LoginThrottle::begin
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    tables: std::sync::Arc<std::sync::Mutex<Tables>>,
}

/// A counted sign-in attempt; say how it ended. Dropping it unresolved
/// leaves it counted as a failure.
#[derive(Debug)]
#[must_use]
pub struct Attempt {
    throttle: LoginThrottle,
    account: Option<(Table, String)>,
    address: Option<String>,
}

impl Attempt {
    /// The password was right: the account's failures are forgotten, and
    /// this attempt no longer counts against the address (an address's
    /// earlier failures are kept: one known password must not reset a
    /// spraying count).
    pub fn succeeded(self) {
        self.throttle.with(|tables| {
            if let Some((table, key)) = &self.account {
                tables.table(*table).remove(key);
            }
            if let Some(entry) = self
                .address
                .as_ref()
                .and_then(|a| tables.addresses.get_mut(a))
            {
                entry.count = entry.count.saturating_sub(1);
            }
        });
    }

    /// The attempt failed: it stays counted.
    pub fn failed(self) {}
}

impl LoginThrottle {
    fn with<T>(&self, job: impl FnOnce(&mut Tables) -> T) -> T {
        let mut tables = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        job(&mut tables)
    }

    /// Checks the locks of `account` (none: a batch token, which names no
    /// account) and `address`, and counts the attempt, in one step. `Err`
    /// carries the seconds to wait.
    pub fn begin(
        &self,
        account: Option<&Account>,
        address: Option<std::net::IpAddr>,
    ) -> Result<Attempt, u64> {
        let account = account.map(|account| match account {
            Account::Known(key) => (Table::Known, key.clone()),
            Account::Unknown(key) => (Table::Unknown, key.clone()),
        });
        let address = address.map(address_key);
        let now = now();
        let keys = || {
            account
                .iter()
                .map(|(table, key)| (*table, key.as_str(), MAX_FAILED_LOGINS))
                .chain(address.iter().map(|key| {
                    (
                        Table::Addresses,
                        key.as_str(),
                        MAX_FAILED_LOGINS_PER_ADDRESS,
                    )
                }))
        };
        self.with(|tables| {
            let wait = keys()
                .filter_map(|(table, key, _)| tables.table(table).get(key)?.locked_until(now))
                .max();
            if let Some(until) = wait {
                return Err(until - now);
            }
            for (table, key, limit) in keys() {
                if !tables.table(table).contains_key(key) {
                    tables.make_room(table, now);
                }
                let entry = tables
                    .table(table)
                    .entry(key.to_owned())
                    .or_insert(Failures {
                        count: 0,
                        last: now,
                        limit,
                    });
                // A lock that has run out starts the count again.
                if entry.expired(now) {
                    entry.count = 0;
                }
                entry.count += 1;
                entry.last = now;
            }
            Ok(())
        })?;
        Ok(Attempt {
            throttle: self.clone(),
            account,
            address,
        })
    }

    /// How many members', unknown accounts and addresses are remembered.
    pub fn len(&self) -> (usize, usize, usize) {
        self.with(|tables| {
            (
                tables.known.len(),
                tables.unknown.len(),
                tables.addresses.len(),
            )
        })
    }
}

/// Signs a member in: the login id's length, the throttle (counted before
/// argon2 runs), the password — checked on the blocking pool, against a fixed
/// hash when the login id is unknown so that the answer takes as long either
/// way. Returns the tenant and the member (the caller opens the session).
pub async fn sign_in(
    store: &crate::Store,
    throttle: &LoginThrottle,
    tenant: Option<String>,
    login_id: String,
    password: String,
    address: Option<std::net::IpAddr>,
) -> Result<(String, Member), AppError> {
    use crate::store::Directory as _;
    if login_id.len() > MAX_LOGIN_ID_BYTES {
        let max = MAX_LOGIN_ID_BYTES;
        return Err(AppError::bad_request(
            "login_id_too_long",
            format!(
                "ログインIDが長すぎます（{max}バイトまで）。正しいログインIDを入力してください。"
            ),
            format!("A login id is at most {max} bytes. Enter your login id."),
        )
        .with("limit", max));
    }
    if password.len() > crate::accounts::MAX_PASSWORD_BYTES {
        return Err(AppError::Unauthorized);
    }
    // Who these credentials would sign in as is looked up first (a cheap
    // read), so that every spelling of one login counts as one account;
    // then the attempt is counted, before argon2 runs.
    let found = store
        .directory()
        .by_login(tenant.clone(), login_id.clone())
        .await;
    let resolved = match &found {
        Ok(Some(_)) => None,
        _ => {
            let (tenant, login_id) = (tenant.clone(), login_id.clone());
            store
                .run(move |store| {
                    use crate::store::Organisation as _;
                    Ok(store
                        .login_account(tenant.as_deref(), &login_id)
                        .ok()
                        .flatten())
                })
                .await?
        }
    };
    let account = Account::of_look_up(&found, resolved, tenant.as_deref(), &login_id);
    let attempt = throttle.begin(Some(&account), address).map_err(locked)?;
    let outcome = async {
        let found = found?;
        let (tenant, member) = tokio::task::spawn_blocking(move || {
            let verified = match found.as_ref().and_then(|(_, m)| m.password_hash.as_deref()) {
                Some(hash) => verify_password(&password, hash),
                None => {
                    let _ = verify_password(&password, &dummy_hash()?);
                    false
                }
            };
            match (found, verified) {
                (Some(found), true) => Ok(found),
                _ => Err(AppError::Unauthorized),
            }
        })
        .await
        .map_err(AppError::internal)??;
        Ok((tenant, member))
    }
    .await;
    match &outcome {
        Ok(_) => attempt.succeeded(),
        Err(_) => attempt.failed(),
    }
    outcome
}

/// Opens a session for `member` of `tenant` (under the member's current
/// access); returns its token.
pub async fn open_session(
    store: &crate::Store,
    tenant: String,
    member: &Member,
) -> Result<String, AppError> {
    let token = crate::ids::new_token()?;
    let session = crate::model::Session {
        tenant,
        member: member.id.clone(),
        expires_at: crate::ids::now() + SESSION_SECONDS,
        access: member.access,
    };
    store.sessions().open(token_key(&token), session).await?;
    Ok(token)
}

/// The 429 refusal of a locked sign-in (or password check).
pub fn locked(wait: u64) -> AppError {
    AppError::too_many(
        "too_many_attempts",
        format!("サインインの失敗が続いたため、{wait}秒間お待ちください。"),
        format!("Too many failed sign-ins; try again in {wait} seconds."),
        wait,
    )
}

/// The 429 answer of a locked sign-in.
pub fn too_many_attempts(wait: u64) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    locked(wait).into_response()
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    fn unknown(login: &str) -> Account {
        Account::Unknown(account_key(None, login))
    }

    #[test]
    fn counts_before_verifying_and_takes_successes_back() {
        let throttle = LoginThrottle::default();
        let ip = Some("203.0.113.5".parse().expect("ip"));
        let sato = Account::member("acme", "e0001");
        // Five attempts in flight at once: all counted, the sixth refused
        // before any of them has been verified.
        let attempts: Vec<Attempt> = (0..MAX_FAILED_LOGINS)
            .map(|_| throttle.begin(Some(&sato), ip).expect("not locked yet"))
            .collect();
        assert!(throttle.begin(Some(&sato), ip).is_err(), "the sixth waits");
        drop(attempts);
        // Another account from the same address still may; its success
        // does not count against the address.
        let suzuki = Account::member("acme", "e0002");
        for _ in 0..40 {
            throttle
                .begin(Some(&suzuki), ip)
                .expect("not locked")
                .succeeded();
        }
    }

    #[test]
    fn an_unknown_account_is_one_counter_however_its_tenant_is_typed() {
        let key = account_key(Some("ACME"), "Sato");
        assert_eq!(account_key(None, "sato@acme"), key);
        assert_eq!(account_key(None, " SATO  @acme "), key);
        assert_eq!(account_key(Some("acme"), "sato@acme"), key);
        assert_eq!(account_key(Some(" acme "), "sato  @acme"), key);
        assert_ne!(account_key(Some("beta"), "sato"), key);
        // An e-mail address as login id keeps its domain.
        assert_eq!(
            account_key(None, "sato@example.co.jp"),
            "id:/sato@example.co.jp"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let c = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped = "::ffff:198.51.100.7".parse().expect("ip");
        assert_eq!(address_key(mapped), "ip:198.51.100.7");
        let throttle = LoginThrottle::default();
        for n in 0..MAX_FAILED_LOGINS_PER_ADDRESS {
            throttle
                .begin(Some(&unknown(&format!("u{n}"))), Some(a))
                .expect("counted")
                .failed();
        }
        let other = unknown("other");
        assert!(throttle.begin(Some(&other), Some(b)).is_err(), "same /64");
        assert!(throttle.begin(Some(&other), Some(c)).is_ok(), "another /64");
    }

    #[test]
    fn a_flood_of_unknown_ids_from_many_addresses_neither_resets_nor_locks_members() {
        let throttle = LoginThrottle::default();
        let victim = Account::member("acme", "e0001");
        let untried = Account::member("acme", "e0002");
        let home: std::net::IpAddr = "192.0.2.1".parse().expect("ip");
        // The victim's account has four failures: one more locks it.
        for _ in 0..MAX_FAILED_LOGINS - 1 {
            throttle
                .begin(Some(&victim), Some(home))
                .expect("counted")
                .failed();
        }
        // A locked nonexistent id, then a flood of other nonexistent ids
        // from ever new addresses, twice what either table holds.
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = throttle.begin(Some(&unknown("ghost")), None);
        }
        for n in 0..2 * MAX_THROTTLE_ENTRIES as u32 {
            let address = std::net::IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            let _ = throttle.begin(Some(&unknown(&format!("spray{n}"))), Some(address));
        }
        let (known, unknown_ids, addresses) = throttle.len();
        assert!(unknown_ids <= MAX_THROTTLE_ENTRIES, "{unknown_ids}");
        assert!(addresses <= MAX_THROTTLE_ENTRIES, "{addresses}");
        assert_eq!(known, 1, "only the victim's account");
        // Nothing was reset: the victim's fifth failure locks it.
        throttle
            .begin(Some(&victim), Some(home))
            .expect("not locked yet")
            .failed();
        assert!(
            throttle.begin(Some(&victim), Some(home)).is_err(),
            "the victim's count survived the flood"
        );
        // Nothing untried is refused: a member, an address, an id.
        let elsewhere = "198.51.100.9".parse().ok();
        assert!(throttle.begin(Some(&untried), elsewhere).is_ok());
        assert!(throttle.begin(Some(&unknown("fresh")), elsewhere).is_ok());
    }
}
