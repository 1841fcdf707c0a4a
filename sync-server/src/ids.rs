//! The clock, random tokens and record ids: one home for every call site
//! (sessions, imports, runs, mails, plans, nonces).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::AppError;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// A new random token: 256 bits from the operating system, hex.
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    Ok(hex(&bytes))
}

/// The id of a new import, run or plan: milliseconds since the epoch (13
/// digits, so ids sort by creation) and 6 random hex digits (two records of
/// one millisecond do not collide).
pub fn record_id() -> Result<String, AppError> {
    Ok(format!("{:013}{}", now_millis(), &new_token()?[..6]))
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_sort_by_creation_and_differ() {
        let first = record_id().expect("an id");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = record_id().expect("an id");
        assert_eq!(first.len(), 19);
        assert!(first < second, "{first} < {second}");
        assert_ne!(new_token().expect("a token"), new_token().expect("a token"));
    }
}
