//! The server's `X-Forwarded-For` reading (the very file the server
//! compiles, std only): never a panic; the answer is always the right-most
//! entry of the last header, and every address it can give reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../sync-server/src/forwarded.rs"]
#[allow(dead_code, unreachable_pub)]
mod forwarded;

fuzz_target!(|data: &[u8]| {
    // `\n` separates header values (as several X-Forwarded-For headers).
    let values: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let got = forwarded::right_most(values.iter().copied());
    if let Some(ip) = got {
        let last = std::str::from_utf8(values[values.len() - 1]).expect("accepted text is UTF-8");
        let entry = last.rsplit(',').next().expect("rsplit gives one piece");
        assert_eq!(forwarded::forwarded_address(entry), Some(ip));
        assert!(!last.bytes().any(|b| b < b' ' && b != b'\t'), "no control byte accepted");
        assert_eq!(forwarded::forwarded_address(&ip.to_string()), Some(ip));
        if let std::net::IpAddr::V6(v6) = ip {
            assert_eq!(forwarded::forwarded_address(&format!("[{v6}]:443")), Some(ip));
        }
    }
});
