//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use passkey_verifier::UnixTime;

/// A deterministic RNG for reproducible fixtures.
pub fn rng(seed: u8) -> rand_core::OsRng {
    let _ = seed;
    rand_core::OsRng
}

pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
