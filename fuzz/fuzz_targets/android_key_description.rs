#![no_main]
//! Android key description (ASN.1 `KeyDescription`) parsing.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation as hazmat;

fuzz_target!(|data: &[u8]| {
    let _ = hazmat::parse_android_key_description(data);
});
