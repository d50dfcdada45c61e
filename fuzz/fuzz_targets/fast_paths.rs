#![no_main]
//! The fast paths against their references: whatever the plain-JSON scanners of both responses
//! and of `clientDataJSON` read, serde_json reads the same; whatever the base64url table
//! decoder decodes, the `base64` crate decodes the same.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::testkit::fast_paths::{assertion, base64, client_data, registration, Scanned};

fuzz_target!(|data: &[u8]| {
    assert_ne!(assertion(data), Scanned::Disagrees);
    assert_ne!(registration(data), Scanned::Disagrees);
    assert_ne!(client_data(data), Scanned::Disagrees);
    assert_ne!(base64(data), Scanned::Disagrees);
});
