//! Who may call the batch API: the allowed-address list, the client's
//! address (behind a trusted proxy or not), and the token or password.

use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use ipnet::IpNet;
use subtle::ConstantTimeEq;

use crate::auth::{token_key, verify_password};
use crate::error::AppError;
use crate::ids::new_token;
use crate::linkage::{AuthMethod, Settings};
use crate::store::{Linkage, Organisation};

/// Parses an allowed-address list (`;`-separated IPv4, IPv6 or CIDR; blank
/// entries ignored). The error names the first entry that is neither.
pub fn parse_allowed(list: &str) -> Result<Vec<IpNet>, crate::error::Bilingual> {
    list.split(';')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    crate::error::Bilingual::new(
                        format!("アクセス許可IP「{entry}」はIPアドレスでもCIDRでもありません（例: 203.0.113.5; 10.0.0.0/8; 2001:db8::/32）。"),
                        format!("“{entry}” is neither an IP address nor a CIDR block (e.g. 203.0.113.5; 10.0.0.0/8; 2001:db8::/32)."),
                    )
                })
        })
        .collect()
}

/// Whether `client` may connect under `allowed` (empty: anyone).
pub fn is_allowed(allowed: &[IpNet], client: Option<IpAddr>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    client.is_some_and(|ip| allowed.iter().any(|net| net.contains(&ip.to_canonical())))
}

pub use crate::forwarded::forwarded_address;
pub use crate::http::client_ip;

/// Issues a new batch token for `tenant`: returns it (to show once) and
/// stores only its hash in `settings`, so the previous token stops working
/// the moment the settings are saved.
pub fn issue_token(tenant: &str, settings: &mut Settings) -> Result<String, AppError> {
    let token = format!("slk_{tenant}_{}", new_token()?);
    settings.token_hash = Some(token_key(&token));
    settings.token_issued_at = Some(crate::ids::now());
    Ok(token)
}

/// The tenant a token names (`slk_{tenant}_{secret}`).
fn token_tenant(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("slk_")?;
    let (tenant, secret) = rest.rsplit_once('_')?;
    (!tenant.is_empty() && secret.len() == 64).then_some(tenant)
}

/// Who runs a batch.
#[derive(Debug, Clone)]
pub struct BatchCaller {
    /// The tenant.
    pub tenant: String,
    /// `token`, or the member's name.
    pub actor: String,
}

impl BatchCaller {
    /// The context of a run this caller starts.
    pub fn context<'a>(
        &'a self,
        catalog: &'a sheetlink_engine::linkage::Catalog,
        settings: &'a crate::linkage::Settings,
        people: &'a crate::linkage::apply::People,
        offset_minutes: i32,
    ) -> crate::linkage::apply::RunContext<'a> {
        crate::linkage::apply::RunContext {
            tenant: &self.tenant,
            actor: &self.actor,
            catalog,
            settings,
            offset_minutes,
            people,
            kind: crate::linkage::RunKind::Batch,
            on_the_spot: false,
            list_every_row: crate::linkage::ANSWER_EVERY_ROW,
        }
    }
}

enum Credentials {
    Token(String),
    Password { login: String, password: String },
}

fn credentials(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(Credentials::Token(token.trim().to_owned()));
    }
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (login, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some(Credentials::Password {
        login: login.to_owned(),
        password: password.to_owned(),
    })
}

/// Why a batch request was refused before any data was touched.
#[derive(Debug)]
pub enum Refusal {
    /// Too many failed attempts from this account or address.
    Throttled(u64),
    /// 401 / 403 / a storage error.
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Refusal::Error(error)
    }
}

/// Checks a batch request, in this order: the throttle (per account and
/// per client address, shared with the web sign-in) → the credentials (a
/// dummy hash is verified for an unknown login id; 401 for anything wrong)
/// → linkage on (403) → client address allowed (403). Nothing about a
/// tenant's settings is said before the credentials are proven, so the
/// answers are no oracle for which login ids exist.
pub fn authenticate(
    store: &(impl Organisation + Linkage + crate::store::Accounts),
    headers: &HeaderMap,
    client: Option<IpAddr>,
    throttle: &crate::auth::LoginThrottle,
) -> Result<BatchCaller, Refusal> {
    let credentials = credentials(headers).ok_or(AppError::Unauthorized)?;
    let (tenant, actor, method) = match credentials {
        Credentials::Token(token) => {
            // A token names no account: only the address is throttled.
            let attempt = throttle.begin(None, client).map_err(Refusal::Throttled)?;
            let tenant = token_tenant(&token).map(str::to_owned);
            let settings: Option<Settings> = match &tenant {
                Some(tenant) => Some(store.linkage_settings(tenant)?),
                None => None,
            };
            let given = token_key(&token);
            let right = settings
                .as_ref()
                .and_then(|s| s.token_hash.as_deref())
                .is_some_and(|stored| bool::from(given.as_bytes().ct_eq(stored.as_bytes())));
            let (Some(tenant), true) = (tenant, right) else {
                attempt.failed();
                return Err(AppError::Unauthorized.into());
            };
            attempt.succeeded();
            (tenant, "token".to_owned(), AuthMethod::Token)
        }
        Credentials::Password { login, password } => {
            if login.len() > crate::auth::MAX_LOGIN_ID_BYTES {
                return Err(AppError::Unauthorized.into());
            }
            // The user name is `login@tenant` (or the login id alone on a
            // server with one tenant).
            // Who the credentials would sign in as, first: every spelling
            // of one login counts as one account.
            let found = store.login(None, &login);
            let resolved = match &found {
                Ok(Some(_)) => None,
                _ => store.login_account(None, &login).ok().flatten(),
            };
            let account = crate::auth::Account::of_look_up(&found, resolved, None, &login);
            let attempt = throttle
                .begin(Some(&account), client)
                .map_err(Refusal::Throttled)?;
            let (tenant, member) = found?.unzip();
            let verified = match member.as_ref().and_then(|m| m.password_hash.as_deref()) {
                Some(hash) => verify_password(&password, hash),
                None => {
                    let _ = verify_password(&password, &crate::auth::dummy_hash()?);
                    false
                }
            };
            let (Some(member), Some(tenant), true) = (member, tenant, verified) else {
                attempt.failed();
                return Err(AppError::Unauthorized.into());
            };
            attempt.succeeded();
            // Only CRM admins may run batches with a password: any other
            // member's password is no batch credential (401). A deactivated
            // member or a disabled tenant is never found by `login`; a role
            // taken away counts from the next request.
            if !crate::permissions::may_manage_linkage(&member) {
                return Err(AppError::Unauthorized.into());
            }
            (tenant, member.name, AuthMethod::UserPassword)
        }
    };
    // A disabled tenant's token is no credential either.
    if store
        .tenant(&tenant)?
        .is_none_or(|tenant| tenant.disabled_at.is_some())
    {
        return Err(AppError::Unauthorized.into());
    }
    let settings = store.linkage_settings(&tenant)?;
    // Credentials of the other method are no credentials for this tenant.
    if settings.auth != method {
        return Err(AppError::Unauthorized.into());
    }
    if !settings.enabled {
        return Err(AppError::forbidden(
            "linkage_off",
            "バッチ連携が無効です。システム設定で「使用可」にしてください。",
            "Batch linkage is turned off for this tenant: turn it on in the settings.",
        )
        .into());
    }
    let allowed = parse_allowed(&settings.allowed_ips).map_err(AppError::internal)?;
    if !is_allowed(&allowed, client) {
        return Err(AppError::forbidden(
            "address_not_allowed",
            "この接続元IPアドレスからのバッチ連携は許可されていません。管理者にアクセス許可IPへの追加を依頼してください。",
            "Batch linkage is not allowed from this address. Ask an admin to add it to the allowed addresses.",
        )
        .into());
    }
    Ok(BatchCaller { tenant, actor })
}

impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> axum::response::Response {
        match self {
            Refusal::Throttled(wait) => crate::auth::too_many_attempts(wait),
            Refusal::Error(error) => error.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;

    fn peer(address: &str) -> ConnectInfo<SocketAddr> {
        ConnectInfo(address.parse().expect("socket address"))
    }

    #[test]
    fn parses_addresses_and_blocks() {
        let allowed = parse_allowed(" 203.0.113.5 ; 10.0.0.0/8;2001:db8::/32;;").expect("valid");
        assert_eq!(allowed.len(), 3);
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        assert!(is_allowed(&allowed, ip("203.0.113.5")));
        assert!(!is_allowed(&allowed, ip("203.0.113.6")));
        assert!(is_allowed(&allowed, ip("10.20.30.40")));
        assert!(is_allowed(&allowed, ip("2001:db8::1")));
        assert!(
            is_allowed(&allowed, ip("::ffff:10.1.2.3")),
            "IPv4-mapped IPv6"
        );
        assert!(!is_allowed(&allowed, None));
        assert!(is_allowed(&[], None), "empty list: anyone");
        let error = parse_allowed("10.0.0.1; example.com").expect_err("not an address");
        assert!(error.to_string().contains("example.com"));
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.7, 203.0.113.9".parse().expect("header"),
        );
        let trusted = parse_allowed("127.0.0.1").expect("valid");
        assert_eq!(
            client_ip(Some(&peer("127.0.0.1:5000")), &headers, &trusted),
            Some("203.0.113.9".parse().expect("ip")),
            "the right-most address, appended by the proxy"
        );
        assert_eq!(
            client_ip(Some(&peer("192.0.2.1:5000")), &headers, &trusted),
            Some("192.0.2.1".parse().expect("ip")),
            "a spoofed header from elsewhere is ignored"
        );
        assert_eq!(client_ip(None, &headers, &trusted), None);
    }

    #[test]
    fn forwarded_entries_are_read_from_the_right_past_trusted_proxies_only() {
        let trusted = parse_allowed("127.0.0.1").expect("valid");
        let proxy = peer("127.0.0.1:5000");
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let cases = [
            ("198.51.100.7, 203.0.113.9", ip("203.0.113.9")),
            ("198.51.100.7, 203.0.113.9:443", ip("203.0.113.9")),
            ("198.51.100.7, [2001:db8::5]", ip("2001:db8::5")),
            ("198.51.100.7, [2001:db8::5]:8443", ip("2001:db8::5")),
            ("198.51.100.7,2001:db8::6", ip("2001:db8::6")),
            // Unparsable entries never hand over to the client's own.
            ("203.0.113.5, unknown", ip("127.0.0.1")),
            ("203.0.113.5, 203.0.113.9:x", ip("127.0.0.1")),
            ("203.0.113.5,", ip("127.0.0.1")),
            ("203.0.113.5, [::1", ip("127.0.0.1")),
        ];
        for (header, want) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", header.parse().expect("header"));
            assert_eq!(
                client_ip(Some(&proxy), &headers, &trusted),
                want,
                "{header}"
            );
        }
        // Two headers: read as one list, the last one's entries first.
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.5".parse().expect("header"));
        headers.append("x-forwarded-for", "unknown".parse().expect("header"));
        assert_eq!(client_ip(Some(&proxy), &headers, &trusted), ip("127.0.0.1"));

        // A CDN (192.0.2.0/24) in front of a load balancer (10.0.0.0/8):
        // the client is the first entry from the right that is neither.
        let chain = parse_allowed("10.0.0.0/8;192.0.2.0/24").expect("valid");
        let balancer = peer("10.0.0.2:5000");
        let cases = [
            // client → CDN → balancer: the balancer appended the CDN.
            ("198.51.100.7, 192.0.2.10", ip("198.51.100.7")),
            // The client wrote an entry of its own (spoofing): never read.
            ("6.6.6.6, 198.51.100.7, 192.0.2.10", ip("198.51.100.7")),
            // Even one that names a trusted proxy: the walk stops at the
            // first untrusted address.
            ("10.0.0.9, 198.51.100.7, 192.0.2.10", ip("198.51.100.7")),
            // Only trusted hops: the left-most of them.
            ("192.0.2.11, 192.0.2.10", ip("192.0.2.11")),
            // A trusted hop that wrote garbage counts itself.
            ("garbage, 192.0.2.10", ip("192.0.2.10")),
        ];
        for (header, want) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", header.parse().expect("header"));
            assert_eq!(
                client_ip(Some(&balancer), &headers, &chain),
                want,
                "{header}"
            );
        }
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "198.51.100.7".parse().expect("header"));
        headers.append("x-forwarded-for", "192.0.2.10".parse().expect("header"));
        assert_eq!(
            client_ip(Some(&balancer), &headers, &chain),
            ip("198.51.100.7"),
            "one entry per header"
        );
    }

    #[test]
    fn tokens_name_their_tenant() {
        let mut settings = Settings::default();
        let token = issue_token("demo", &mut settings).expect("issued");
        assert_eq!(token_tenant(&token), Some("demo"));
        assert_eq!(settings.token_hash, Some(token_key(&token)));
        assert_eq!(token_tenant("slk_demo_short"), None);
        assert_eq!(token_tenant("other"), None);
    }
}
