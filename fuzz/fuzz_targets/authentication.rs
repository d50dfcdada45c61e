#![no_main]
//! The full authentication ceremony on fuzzed `PublicKeyCredential` JSON: against a fixed
//! relying party and stored ES256 credential (the py_webauthn `auth/es256/localhost` capture),
//! then against one mirroring the input's challenge, origin and RP ID, with the stored key
//! picked by credential ID among three captures (ES256, EdDSA, RS256).

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use passkey_verifier::extensions::{AuthenticationExtensions, PrfValues};
use passkey_verifier::hazmat::auth_data::AuthenticatorData;
use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::{
    verify_authentication, AuthenticationResponse, AuthenticationState, BackupEligibility, Challenge, RelyingParty,
    StoredCredential, UnixTime, UserVerification,
};

mod common;

const NOW: u64 = 1_700_000_000;
const EXPIRES: u64 = 2_000_000_000;
const OWNER: [u8; 16] = [1u8; 16];

/// (credential ID, COSE public key) from shared/vectors/py_webauthn.json, base64url.
const CREDENTIALS: [(&str, &str); 3] = [
    // auth/es256/localhost (also the base of derived_negative's auth/es256/* cases)
    (
        "EDx9FfAbp4obx6oll2oC4-CZuDidRVV4gZhxC529ytlnqHyqCStDUwfNdm1SNHAe3X5KvueWQdAX3x9R1a2b9Q",
        "pQECAyYgASFYIIeDTe-gN8A-zQclHoRnGFWN8ehM1b7yAsa8I8KIvmplIlgg4nFGT5px8o6gpPZZhO01wdy9crDSA_Ngtkx0vGpvPHI",
    ),
    // auth/eddsa/localhost
    (
        "fq9Nj0nS24B5y6Pkw_h3-9GEAEA3-0LBPxE2zvTdLjDqtSeCSNYFe9VMRueSpAZxT3YDc6L1lWXdQNwI-sVNYrefEcRR1Nsb_0jpHE955WEtFud2xxZg3MvoLMxHLet63i5tajd1fHtP7I-00D6cehM8ZWlLp2T3s9lfZgVIFcA",
        "pAEBAycgBiFYIMz6_SUFLiDid2Yhlq0YboyJ-CDrIrNpkPUGmJp4D3Dp",
    ),
    // auth/rs256/uv-required
    (
        "ZoIKP1JQvKdrYj1bTUPJ2eTUsbLeFkv-X5xJQNr4k6s",
        "pAEDAzkBACBZAQDfV20epzvQP-HtcdDpX-cGzdOxy73WQEvsU7Dnr9UWJophEfpngouvgnRLXaEUn_d8HGkp_HIx8rrpkx4BVs6X_B6ZjhLlezjIdJbLbVeb92BaEsmNn1HW2N9Xj2QM8cH-yx28_vCjf82ahQ9gyAr552Bn96G22n8jqFRQKdVpO-f-bvpvaP3IQ9F5LCX7CUaxptgbog1SFO6FI6ob5SlVVB00lVXsaYg8cIDZxCkkENkGiFPgwEaZ7995SCbiyCpUJbMqToLMgojPkAhWeyktu7TlK6UBWdJMHc3FPAIs0lH_2_2hKS-mGI1uZAFVAfW1X-mzKL0czUm2P1UlUox7IUMBAAE",
    ),
];
/// The challenge of auth/es256/localhost.
const ES256_CHALLENGE: &str = "xi30GPGAFYRxVDpY1sM10DaLzVQG66nv-_7RUazH0vI2YvG8LYgDEnvN5fZZNVuvEDuMi9te3VLqb42N0fkLGA";

struct Fixed {
    rp: RelyingParty,
    /// Discoverable (no user identified) and identified-user states.
    states: [AuthenticationState; 2],
    stored: StoredCredential,
    /// Decoded `CREDENTIALS`.
    keys: Vec<(Vec<u8>, Vec<u8>)>,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let keys: Vec<_> =
            CREDENTIALS.iter().map(|(id, key)| (b64::decode(id).unwrap(), b64::decode(key).unwrap())).collect();
        let rp = RelyingParty::builder("localhost").origin("http://localhost:5000").build().unwrap();
        let challenge = Challenge::from_bytes(b64::decode(ES256_CHALLENGE).unwrap()).unwrap();
        let state = |user: Option<Vec<u8>>| {
            AuthenticationState::new(
                challenge.clone(),
                user,
                UserVerification::Preferred,
                vec![],
                UnixTime::from_secs(EXPIRES),
            )
            .unwrap()
        };
        let stored = StoredCredential::new(keys[0].0.clone(), keys[0].1.clone(), 0, OWNER.to_vec());
        Fixed { rp, states: [state(None), state(Some(OWNER.to_vec()))], stored, keys }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(response) = AuthenticationResponse::from_json(data) else { return };
    let f = fixed();
    for state in &f.states {
        let _ = verify_authentication(&f.rp, state.clone(), response.clone(), &f.stored, UnixTime::from_secs(NOW));
    }

    let Ok(cd) = ClientData::parse(response.client_data_json()) else { return };
    let Some(challenge) = common::challenge(&cd) else { return };
    let hash = AuthenticatorData::parse(response.authenticator_data()).ok().map(|ad| *ad.rp_id_hash());
    // Variations keyed on the length, each taking a small share of inputs.
    let relaxed = data.len() % 2 == 1;
    let Some(rp) = common::rp(&cd, hash.as_ref(), relaxed) else { return };
    let owner = response.user_handle().map_or_else(|| OWNER.to_vec(), <[u8]>::to_vec);
    let key = f.keys.iter().find(|(id, _)| id.as_slice() == response.raw_id()).map_or(&f.keys[0].1, |(_, k)| k);
    let mut stored = StoredCredential::new(response.raw_id().to_vec(), key.clone(), 0, owner.clone());
    stored.uv_initialized = data.len() % 8 == 5;
    stored.backup_eligible =
        if data.len() % 8 == 6 { BackupEligibility::NotEligible } else { BackupEligibility::Unknown };
    let Ok(state) = AuthenticationState::new(
        challenge,
        Some(owner),
        UserVerification::Preferred,
        vec![response.raw_id().to_vec()],
        UnixTime::from_secs(EXPIRES),
    ) else {
        return;
    };
    // Half the inputs request extensions, so their output checks (and `appid`) see fuzzed outputs.
    let state = if data.len() % 4 < 2 {
        let id = response.raw_id().to_vec();
        let requested = AuthenticationExtensions::default()
            .with_appid("https://example.com/appid")
            .with_prf(Some(PrfValues::one(vec![1])), &[(&id, PrfValues::two(vec![1], vec![2]))])
            .with_large_blob_read();
        let Ok(state) = state.with_extensions(&requested) else { return };
        state
    } else {
        state
    };
    if let Ok(verified) = verify_authentication(&rp, state, response, &stored, UnixTime::from_secs(NOW)) {
        let _ =
            (verified.sign_count(), verified.counter(), verified.authenticator_extensions(), format!("{verified:?}"));
    }
});
