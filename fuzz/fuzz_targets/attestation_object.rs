#![no_main]
//! Attestation object parsing (CBOR envelope plus authenticator data).

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation_object::AttestationObject;
use passkey_verifier::hazmat::cbor::Value;

fuzz_target!(|data: &[u8]| {
    if let Ok(ao) = AttestationObject::parse(data) {
        let _ = (ao.fmt(), ao.auth_data().sign_count());
        // attStmt is a map, or an array for the `compound` format.
        match ao.att_stmt() {
            Value::Map(seq) => seq.entries().for_each(drop),
            Value::Array(seq) => seq.items().for_each(drop),
            _ => {}
        }
    }
});
