//! The server's `X-Forwarded-For` reading (the very file the server
//! compiles, std only): never a panic; the answer is the peer or an entry
//! appended by a trusted hop, and every entry to its right is a trusted
//! proxy.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../sync-server/src/forwarded.rs"]
#[allow(dead_code, unreachable_pub)]
mod forwarded;

use std::net::IpAddr;

/// Loopback and 10.0.0.0/8 are the trusted proxies here.
fn trusted(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.octets()[0] == 10,
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the peer; `\n` separates header values (as
    // several X-Forwarded-For headers).
    let Some((&pick, rest)) = data.split_first() else { return };
    let peer: IpAddr = if pick % 2 == 0 {
        "10.0.0.1".parse().expect("an address")
    } else {
        "203.0.113.1".parse().expect("an address")
    };
    let values: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
    let got = forwarded::client_address(values.iter().copied(), peer, trusted);
    if !trusted(peer) {
        assert_eq!(got, peer, "an untrusted peer is the client");
        return;
    }
    if got == peer {
        return;
    }
    // The answer is an entry; every entry right of it parses to a trusted
    // proxy.
    let entries: Vec<&str> = values
        .iter()
        .rev()
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|text| text.rsplit(','))
        .collect();
    let at = entries
        .iter()
        .position(|entry| forwarded::forwarded_address(entry) == Some(got))
        .expect("the answer is one of the entries");
    for entry in &entries[..at] {
        let hop = forwarded::forwarded_address(entry).expect("entries right of it parse");
        assert!(trusted(hop), "{hop} right of the answer is trusted");
    }
    assert_eq!(forwarded::forwarded_address(&got.to_string()), Some(got));
});
