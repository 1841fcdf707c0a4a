//! Who may call the batch API: the allowed-address list, the client's
//! address (behind a trusted proxy or not), and the token or password.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use ipnet::IpNet;
use redb::Database;
use subtle::ConstantTimeEq;

use crate::auth::{new_token, token_key, verify_password};
use crate::error::AppError;
use crate::linkage::{AuthMethod, Settings};
use crate::model::{Member, Role};
use crate::store::get_json;
use crate::tables::{LINKAGE_SETTINGS, MEMBERS};

/// Parses an allowed-address list (`;`-separated IPv4, IPv6 or CIDR; blank
/// entries ignored). The error names the first entry that is neither.
pub fn parse_allowed(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(';')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    format!(
                        "アクセス許可IP「{entry}」はIPアドレスでもCIDRでもありません（例: 203.0.113.5; 10.0.0.0/8; 2001:db8::/32）。 \
                         “{entry}” is neither an IP address nor a CIDR block."
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

/// The client's address: the TCP peer, unless the peer is one of the
/// `trusted_proxies`; only then the right-most `X-Forwarded-For` address
/// (the one that proxy appended) counts. A header from anyone else is
/// ignored, so it cannot be spoofed past the allow-list.
pub fn client_ip(
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(|ConnectInfo(address)| address.ip().to_canonical())?;
    if !trusted_proxies.iter().any(|net| net.contains(&peer)) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
        .next_back();
    Some(forwarded.map_or(peer, |ip| ip.to_canonical()))
}

/// Issues a new batch token for `tenant`: returns it (to show once) and
/// stores only its hash in `settings`, so the previous token stops working
/// the moment the settings are saved.
pub fn issue_token(tenant: &str, settings: &mut Settings) -> Result<String, AppError> {
    let token = format!("slk_{tenant}_{}", new_token()?);
    settings.token_hash = Some(token_key(&token));
    settings.token_issued_at = Some(crate::auth::now());
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

/// Checks a batch request, in this order: whose tenant (401 when nobody's),
/// linkage on (403), client address allowed (403), credentials right for the
/// tenant's method (401).
pub fn authenticate(
    db: &Database,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<BatchCaller, AppError> {
    let credentials = credentials(headers).ok_or(AppError::Unauthorized)?;
    let (tenant, member) = match &credentials {
        Credentials::Token(token) => (
            token_tenant(token)
                .ok_or(AppError::Unauthorized)?
                .to_owned(),
            None,
        ),
        Credentials::Password { login, .. } => {
            let member_key = crate::store::get_login(db, login)?.ok_or(AppError::Unauthorized)?;
            let member: Member =
                get_json(db, MEMBERS, &member_key)?.ok_or(AppError::Unauthorized)?;
            let tenant = member_key
                .split_once('/')
                .map(|(tenant, _)| tenant.to_owned())
                .ok_or(AppError::Unauthorized)?;
            (tenant, Some(member))
        }
    };
    let settings: Settings = get_json(db, LINKAGE_SETTINGS, &tenant)?.unwrap_or_default();
    if !settings.enabled {
        return Err(AppError::Forbidden(
            "バッチ連携が無効です。システム設定で「使用可」にしてください。 Batch linkage is turned off for this tenant.",
        ));
    }
    let allowed = parse_allowed(&settings.allowed_ips).map_err(AppError::internal)?;
    if !is_allowed(&allowed, client) {
        return Err(AppError::Forbidden(
            "この接続元IPアドレスからのバッチ連携は許可されていません。 Batch linkage is not allowed from this address.",
        ));
    }
    match (credentials, settings.auth) {
        (Credentials::Token(token), AuthMethod::Token) => {
            let stored = settings.token_hash.ok_or(AppError::Unauthorized)?;
            let given = token_key(&token);
            if bool::from(given.as_bytes().ct_eq(stored.as_bytes())) {
                Ok(BatchCaller {
                    tenant,
                    actor: "token".to_owned(),
                })
            } else {
                Err(AppError::Unauthorized)
            }
        }
        (Credentials::Password { password, .. }, AuthMethod::UserPassword) => {
            let member = member.ok_or(AppError::Unauthorized)?;
            let hash = member
                .password_hash
                .as_deref()
                .ok_or(AppError::Unauthorized)?;
            if verify_password(&password, hash) && matches!(member.role, Role::Admin) {
                Ok(BatchCaller {
                    tenant,
                    actor: member.name,
                })
            } else {
                Err(AppError::Unauthorized)
            }
        }
        _ => Err(AppError::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(error.contains("example.com"));
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
    fn tokens_name_their_tenant() {
        let mut settings = Settings::default();
        let token = issue_token("demo", &mut settings).expect("issued");
        assert_eq!(token_tenant(&token), Some("demo"));
        assert_eq!(settings.token_hash, Some(token_key(&token)));
        assert_eq!(token_tenant("slk_demo_short"), None);
        assert_eq!(token_tenant("other"), None);
    }
}
