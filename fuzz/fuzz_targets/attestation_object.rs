#![no_main]
//! Attestation object parsing (CBOR envelope plus authenticator data).

use libfuzzer_sys::fuzz_target;
use passkey_verifier::wire::attestation_object::AttestationObject;

fuzz_target!(|data: &[u8]| {
    if let Ok(ao) = AttestationObject::parse(data) {
        let _ = (ao.fmt(), ao.att_stmt().len(), ao.auth_data().sign_count());
        for entry in ao.att_stmt().entries().flatten() {
            let _ = entry;
        }
    }
});
