//! Passwords (argon2id with OWASP's parameters), sessions (random tokens,
//! stored only as SHA-256 hashes) and the `Caller` extractor.

use std::time::{SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::model::{Member, Session};
use crate::store::get_json;
use crate::tables::{MEMBERS, SESSIONS};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sheetlink_session";
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

/// Checks a password against a stored PHC string, in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A new random session token (256 bits, hex).
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    Ok(hex(&bytes))
}

/// The key a session token is stored under: its SHA-256, hex.
pub fn token_key(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}"
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn expired_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session token sent with a request, if any.
pub fn request_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            cookie
                .trim()
                .strip_prefix(SESSION_COOKIE)?
                .strip_prefix('=')
        })
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
        let token = request_token(parts).ok_or(AppError::Unauthorized)?;
        let key = token_key(&token);
        state
            .store
            .run(move |db| {
                let session: Session =
                    get_json(db, SESSIONS, &key)?.ok_or(AppError::Unauthorized)?;
                if session.expires_at <= now() {
                    return Err(AppError::Unauthorized);
                }
                let member_key = format!("{}/{}", session.tenant, session.member);
                let member: Member =
                    get_json(db, MEMBERS, &member_key)?.ok_or(AppError::Unauthorized)?;
                Ok(Caller {
                    tenant: session.tenant,
                    member,
                })
            })
            .await
    }
}

/// Failed sign-ins in a row after which a login id is locked for a while.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a locked login id (or address) waits, in seconds.
pub const LOGIN_LOCK_SECONDS: u64 = 15 * 60;
/// Failed sign-ins from one client address, whatever the login ids, after
/// which the address is locked (password spraying across many ids).
pub const MAX_FAILED_LOGINS_PER_ADDRESS: u32 = 30;

/// Counts failed sign-ins per login id (known or not, so the lock says
/// nothing about which ids exist) and per client address, and locks an id
/// for [`LOGIN_LOCK_SECONDS`] after [`MAX_FAILED_LOGINS`] failures in a row,
/// an address after [`MAX_FAILED_LOGINS_PER_ADDRESS`], against password
/// guessing and spraying. Kept in memory: a restart forgets it, which costs
/// an attacker a restart per five guesses.
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    failures: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (u32, u64)>>>,
}

impl LoginThrottle {
    fn with<T>(
        &self,
        job: impl FnOnce(&mut std::collections::HashMap<String, (u32, u64)>) -> T,
    ) -> T {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        job(&mut failures)
    }

    fn blocked(&self, key: &str, limit: u32) -> Option<u64> {
        self.with(|failures| {
            let &(count, last) = failures.get(key)?;
            let until = last + LOGIN_LOCK_SECONDS;
            (count >= limit && until > now()).then(|| until - now())
        })
    }

    fn count(&self, key: String) {
        self.with(|failures| {
            let entry = failures.entry(key).or_insert((0, 0));
            // A lock that has run out starts the count again.
            if entry.1 + LOGIN_LOCK_SECONDS <= now() {
                entry.0 = 0;
            }
            *entry = (entry.0 + 1, now());
        });
    }

    /// Seconds a sign-in as `login_id` from `address` must still wait, if
    /// either is locked.
    pub fn blocked_for(&self, login_id: &str, address: Option<std::net::IpAddr>) -> Option<u64> {
        let by_id = self.blocked(&format!("id:{login_id}"), MAX_FAILED_LOGINS);
        let by_address =
            address.and_then(|ip| self.blocked(&format!("ip:{ip}"), MAX_FAILED_LOGINS_PER_ADDRESS));
        by_id.max(by_address)
    }

    /// Records a failed sign-in.
    pub fn failed(&self, login_id: &str, address: Option<std::net::IpAddr>) {
        self.count(format!("id:{login_id}"));
        if let Some(ip) = address {
            self.count(format!("ip:{ip}"));
        }
    }

    /// Forgets the failures of a login id that signed in (an address's are
    /// kept: one known password must not reset a spraying count).
    pub fn succeeded(&self, login_id: &str) {
        self.with(|failures| failures.remove(&format!("id:{login_id}")));
    }
}

/// Deletes expired sessions (run at start-up); returns how many.
pub fn purge_expired_sessions(db: &redb::Database) -> Result<usize, AppError> {
    let expired: Vec<String> = crate::store::scan_json::<Session>(db, SESSIONS, "")?
        .into_iter()
        .filter(|(_, session)| session.expires_at <= now())
        .map(|(key, _)| key)
        .collect();
    if !expired.is_empty() {
        let write = db.begin_write().map_err(AppError::internal)?;
        {
            let mut sessions = write.open_table(SESSIONS).map_err(AppError::internal)?;
            for key in &expired {
                sessions.remove(key.as_str()).map_err(AppError::internal)?;
            }
        }
        write.commit().map_err(AppError::internal)?;
    }
    Ok(expired.len())
}
