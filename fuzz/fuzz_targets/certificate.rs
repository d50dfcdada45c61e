#![no_main]
//! X.509 certificate parsing as attestation statements use it.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation as hazmat;

fuzz_target!(|data: &[u8]| {
    let _ = hazmat::parse_certificate(data);
});
