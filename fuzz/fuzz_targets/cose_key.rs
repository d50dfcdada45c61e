#![no_main]
//! COSE key parsing, key validation and signature verification with the key.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::cose::CoseKey;
use passkey_verifier::hazmat::crypto;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = CoseKey::parse(data) {
        let _ = crypto::validate_key(&key);
        let _ = crypto::verify_signature(&key, &[b"msg"], data, crypto::Sha1::Refused);
        let _ = crypto::verify_signature(&key, &[b"msg"], data, crypto::Sha1::Allowed);
    }
});
