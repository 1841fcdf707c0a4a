//! Reading the client address out of `X-Forwarded-For`: std only, so that
//! the fuzz target compiles this very file (`fuzz/fuzz_targets/forwarded.rs`)
//! without the server's dependencies.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The address a trusted proxy appended: the right-most entry of the last
/// `X-Forwarded-For` header (`values` in the order they were received).
/// Entries further left were written by the client and prove nothing.
/// `None` when there is no header, or its right-most entry is not an
/// address (then the proxy's own address counts).
pub fn right_most<'a>(values: impl DoubleEndedIterator<Item = &'a [u8]>) -> Option<IpAddr> {
    let last = values.last()?;
    // What a header value may hold as text: visible ASCII, space and tab.
    if !last
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return None;
    }
    let text = std::str::from_utf8(last).ok()?;
    forwarded_address(text.rsplit(',').next()?)
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
