//! `android-safetynet` (§8.5) with hand-built JWS statements: the JWS must be signed by the
//! key of its own `x5c` leaf, issued to attest.android.com, with a fresh timestamp, a nonce
//! committing to the ceremony and `ctsProfileMatch`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use getrandom::SysRng;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::SigningKey;
use passkey_verifier::testkit::pki::{p256_key, TestCa};
use passkey_verifier::testkit::{
    attestation_object_with_statement, authenticator_data, client_data_json, registration_json, AttestedData,
    ClientDataFields, KeyKind, SoftCredential,
};
use passkey_verifier::AttestationError;
use passkey_verifier::{
    verify_registration, AttestationFormat, AttestationType, Category, Challenge, CoseAlgorithm, RegistrationResponse,
    RegistrationState, RelyingParty, UserVerification,
};
use rand_core::UnwrapErr;

use super::{policy, rp_with, NOW, ORIGIN, RP_ID, VALID};

/// What to put into (or how to spoil) the statement.
struct Jws {
    signer: Option<SigningKey>,
    leaf_subject: &'static str,
    cts_profile_match: bool,
    age_secs: u64,
}

impl Jws {
    fn honest() -> Self {
        Self {
            signer: None,
            leaf_subject: "C=US,O=Google LLC,CN=attest.android.com",
            cts_profile_match: true,
            age_secs: 1,
        }
    }
}

/// A registration whose attestation is an android-safetynet statement built per `jws`.
fn register(
    rp: &RelyingParty,
    root: &TestCa,
    jws: Jws,
) -> passkey_verifier::Result<passkey_verifier::VerifiedRegistration> {
    let cred = SoftCredential::new(KeyKind::Es256, b"user", &mut UnwrapErr(SysRng));
    let challenge = Challenge::from_bytes(vec![3u8; 32]).unwrap();
    let cose = cred.cose_public_key();
    let auth_data = authenticator_data(
        RP_ID,
        0x45,
        0,
        Some(&AttestedData { aaguid: [0; 16], credential_id: cred.id(), public_key: &cose }),
        None,
    );
    let client_data = client_data_json(&ClientDataFields {
        ty: "webauthn.create",
        challenge: challenge.as_bytes(),
        origin: ORIGIN,
        cross_origin: None,
        top_origin: None,
    });
    let nonce = sha2::Sha256::digest([auth_data.as_slice(), &sha2::Sha256::digest(&client_data)].concat());
    let key = p256_key(&mut UnwrapErr(SysRng));
    let leaf = root.leaf(jws.leaf_subject, key.verifying_key(), VALID, vec![], false);
    let header = serde_json::json!({"alg": "ES256", "x5c": [STANDARD.encode(&leaf), STANDARD.encode(root.cert_der())]});
    let payload = serde_json::json!({
        "nonce": STANDARD.encode(nonce),
        "timestampMs": (NOW.as_secs() - jws.age_secs) * 1000,
        "apkPackageName": "com.google.android.gms",
        "ctsProfileMatch": jws.cts_profile_match,
        "basicIntegrity": true,
    });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(payload.to_string()));
    let signer = jws.signer.unwrap_or(key);
    let signature: p256::ecdsa::Signature = signer.sign(signing_input.as_bytes());
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    let statement = ciborium::Value::Map(vec![
        (ciborium::Value::Text("ver".into()), ciborium::Value::Text("14366018".into())),
        (ciborium::Value::Text("response".into()), ciborium::Value::Bytes(token.into_bytes())),
    ]);
    let object = attestation_object_with_statement("android-safetynet", &statement, &auth_data);
    let state = RegistrationState::new(
        challenge,
        b"user".to_vec(),
        UserVerification::Preferred,
        CoseAlgorithm::DEFAULT.to_vec(),
        NOW.plus_secs(300),
    )
    .unwrap();
    let json = registration_json(cred.id(), &client_data, &object);
    verify_registration(rp, state, RegistrationResponse::from_json_str(&json)?, NOW)
}

use sha2::Digest as _;

fn safetynet_root() -> TestCa {
    TestCa::root("Test SafetyNet Root", VALID)
}

#[test]
fn safetynet_statement_verifies_and_is_trusted_with_its_root() {
    let root = safetynet_root();
    let rp = rp_with(|b| b.attestation_root(root.cert_der()).policy(policy(|p| p.require_trusted_attestation = true)));
    let reg = register(&rp, &root, Jws::honest()).unwrap();
    assert_eq!(reg.attestation().format(), AttestationFormat::AndroidSafetynet);
    assert_eq!(reg.attestation().kind(), AttestationType::Basic);
    assert!(reg.attestation().trusted());
}

#[test]
fn safetynet_jws_signed_by_a_key_outside_the_chain_is_refused() {
    let root = safetynet_root();
    let rp = rp_with(|b| b.attestation_root(root.cert_der()));
    let jws = Jws { signer: Some(p256_key(&mut UnwrapErr(SysRng))), ..Jws::honest() };
    let err = register(&rp, &root, jws).unwrap_err();
    assert_eq!(err.attestation_reason(), Some(AttestationError::BadSignature));
}

#[test]
fn safetynet_leaf_for_another_host_is_refused() {
    let root = safetynet_root();
    let rp = rp_with(|b| b.attestation_root(root.cert_der()));
    let jws = Jws { leaf_subject: "C=US,O=Evil,CN=attest.android.com.evil.example", ..Jws::honest() };
    assert_eq!(
        register(&rp, &root, jws).unwrap_err().attestation_reason(),
        Some(AttestationError::CertificateRequirements)
    );
}

#[test]
fn safetynet_cts_profile_mismatch_needs_the_dangerous_switch() {
    let root = safetynet_root();
    let strict = rp_with(|b| b.attestation_root(root.cert_der()));
    let jws = || Jws { cts_profile_match: false, ..Jws::honest() };
    let refused = register(&strict, &root, jws()).unwrap_err();
    assert_eq!(refused.category(), Category::Attestation);
    assert_eq!(refused.attestation_reason(), Some(AttestationError::AuthenticatorProperties));
    let lenient = rp_with(|b| {
        b.attestation_root(root.cert_der()).policy(policy(|p| p.dangerous.allow_safetynet_cts_mismatch = true))
    });
    register(&lenient, &root, jws()).unwrap();
}

#[test]
fn safetynet_stale_timestamp_is_refused() {
    let root = safetynet_root();
    let rp = rp_with(|b| b.attestation_root(root.cert_der()));
    let jws = Jws { age_secs: 3600, ..Jws::honest() };
    assert_eq!(register(&rp, &root, jws).unwrap_err().attestation_reason(), Some(AttestationError::Stale));
}
