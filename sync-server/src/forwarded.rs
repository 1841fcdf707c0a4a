//! Reading the client address out of `X-Forwarded-For`: std only, so that
//! the fuzz target compiles this very file (`fuzz/fuzz_targets/forwarded.rs`)
//! without the server's dependencies.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The client's address behind a chain of trusted proxies (a CDN, then a
/// load balancer): starting from `peer` (who connected), the
/// `X-Forwarded-For` entries (`values` in the order the headers were
/// received, each a comma-separated list) are walked from the right for as
/// long as the address in hand is `trusted`; the first entry that is not a
/// trusted proxy is the client. Every entry taken was appended by a trusted
/// proxy; entries further left were written by the client and are never
/// read. An entry that is not an address (or a header value that is not
/// text) stops the walk at the trusted hop that wrote it, whose address
/// then counts.
pub fn client_address<'a>(
    values: impl DoubleEndedIterator<Item = &'a [u8]>,
    peer: IpAddr,
    trusted: impl Fn(IpAddr) -> bool,
) -> IpAddr {
    let mut hop = peer;
    for value in values.rev() {
        // What a header value may hold as text: visible ASCII, space and tab.
        let text = value
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
            .then(|| std::str::from_utf8(value).ok())
            .flatten();
        let Some(text) = text else { return hop };
        for entry in text.rsplit(',') {
            if !trusted(hop) {
                return hop;
            }
            match forwarded_address(entry) {
                Some(address) => hop = address,
                None => return hop,
            }
        }
    }
    hop
}

/// One `X-Forwarded-For` entry as an address: `ip`, `ip:port`, `[v6]` or
/// `[v6]:port`, spaces around it ignored.
pub fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
        .map(IpAddr::V6)
}
