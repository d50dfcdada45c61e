#![no_main]
//! The full registration ceremony on fuzzed `PublicKeyCredential` JSON: once against a fixed
//! relying party, once against one that mirrors the input's challenge, origin and RP ID.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation_object::AttestationObject;
use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::extensions::{
    CredentialProtectionPolicy, LargeBlobSupport, PrfValues, RegistrationExtensions,
};
use passkey_verifier::{
    verify_registration, Challenge, CoseAlgorithm, Mediation, RegistrationResponse, RegistrationState, RelyingParty, UnixTime,
    UserVerification,
};

mod common;

const NOW: u64 = 1_700_000_000;
const EXPIRES: u64 = 2_000_000_000;

fn fixed() -> &'static (RelyingParty, RegistrationState) {
    static FIXED: OnceLock<(RelyingParty, RegistrationState)> = OnceLock::new();
    FIXED.get_or_init(|| {
        let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
        let state = RegistrationState::new(
            Challenge::from_bytes(vec![7u8; 32]).unwrap(),
            vec![1u8; 16],
            UserVerification::Preferred,
            CoseAlgorithm::DEFAULT.to_vec(),
            UnixTime::from_secs(EXPIRES),
        )
        .unwrap();
        (rp, state)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(response) = RegistrationResponse::from_json(data) else { return };
    let (rp, state) = fixed();
    let _ = verify_registration(rp, state.clone(), response.clone(), UnixTime::from_secs(NOW));

    let Ok(cd) = ClientData::parse(response.client_data_json()) else { return };
    let Some(challenge) = common::challenge(&cd) else { return };
    let hash = AttestationObject::parse(response.attestation_object()).ok().map(|ao| *ao.auth_data().rp_id_hash());
    let Some(rp) = common::rp(&cd, hash.as_ref(), data.len() % 2 == 1) else { return };
    let uv = if data.len() % 8 == 6 { UserVerification::Required } else { UserVerification::Preferred };
    let Ok(state) =
        RegistrationState::new(challenge, vec![1u8; 16], uv, CoseAlgorithm::ALL.to_vec(), UnixTime::from_secs(EXPIRES))
    else {
        return;
    };
    // Half the inputs request every extension, so their output checks see fuzzed outputs.
    let state = if data.len() % 4 < 2 {
        let every = RegistrationExtensions::default()
            .with_credential_protection(CredentialProtectionPolicy::UserVerificationRequired, data.len() % 3 == 0)
            .with_prf(Some(PrfValues::two(vec![1], vec![2])))
            .with_large_blob(LargeBlobSupport::Required)
            .with_appid_exclude("https://example.com/appid")
            .with_min_pin_length();
        let Ok(state) = state.with_mediation(Mediation::Conditional).with_extensions(&every) else { return };
        state
    } else {
        state
    };
    if let Ok(verified) = verify_registration(&rp, state, response, UnixTime::from_secs(NOW)) {
        let _ = format!("{verified:?}");
    }
});
