#![no_main]
//! COSE key parsing, key validation and signature verification with the key.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::cose::CoseKey;
use passkey_verifier::crypto;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = CoseKey::parse(data) {
        let _ = crypto::validate_key(&key);
        let _ = crypto::verify(&key, &[b"msg"], data, false);
        let _ = crypto::verify(&key, &[b"msg"], data, true);
    }
});
