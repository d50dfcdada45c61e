#![no_main]
//! The `PublicKeyCredential` JSON of both ceremonies, and every getter.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::{AuthenticationResponse, RegistrationResponse};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = RegistrationResponse::from_json(data) {
        let _ = (r.raw_id(), r.client_data_json(), r.attestation_object(), r.transports());
        let _ = (r.client_extension_results(), r.authenticator_attachment(), format!("{r:?}"));
    }
    if let Ok(r) = AuthenticationResponse::from_json(data) {
        let _ = (r.raw_id(), r.client_data_json(), r.authenticator_data(), r.signature(), r.user_handle());
        let _ = (r.client_extension_results(), r.authenticator_attachment(), format!("{r:?}"));
    }
});
