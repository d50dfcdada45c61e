#![no_main]
//! Android SafetyNet compact JWS parsing (header, payload, certificates).

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation as hazmat;

fuzz_target!(|data: &[u8]| {
    let _ = hazmat::parse_safetynet_jws(data);
});
