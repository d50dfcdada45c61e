//! §7.1 Registering a New Credential: one failing check per test.

use passkey_verifier::hazmat::crypto::sha256;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation};
use passkey_verifier::AttestationError;
use passkey_verifier::{
    Category, CoseAlgorithm, ErrorKind, Flags, RegistrationState, UnixTime, UserVerification, VerifiedRegistration,
};

use super::{assert_fails, knobs, packed_self_object, rp, rp_with, Reg, USER_A};

const PARTNER: &str = "https://partner.example";

/// A registration at a relying party that lets [`PARTNER`] embed its ceremonies.
fn embeddable() -> Reg {
    Reg::build(rp_with(|b| b.top_origin(PARTNER)), KeyKind::Es256, UserVerification::Preferred)
}

/// The client reports a cross-origin ceremony embedded by `top`.
fn embedded_by(top: &str) -> impl FnOnce(&mut Knobs) + '_ {
    move |k| {
        k.cross_origin = Some(true);
        k.top_origin = Some(top.into());
    }
}

/// Registration with the authenticator's origin replaced by `origin`.
fn with_origin(origin: &str) -> passkey_verifier::Result<VerifiedRegistration> {
    Reg::new().verify_defect(|k| k.origin = origin.into())
}

#[test]
fn expired_state() {
    let mut reg = Reg::new();
    let json = reg.respond(&knobs());
    let expires_at = reg.state.expires_at();
    reg.verify_at(&json, UnixTime::from_secs(expires_at.as_secs() - 1)).expect("valid until its expiry");
    assert_fails(reg.verify_at(&json, expires_at), ErrorKind::CeremonyExpired, Category::Challenge);
}

#[test]
fn client_data_type_webauthn_get() {
    let result = Reg::new().verify_defect(|k| k.client_data_type = Some("webauthn.get".into()));
    assert_fails(result, ErrorKind::ClientDataType, Category::Type);
}

#[test]
fn wrong_challenge() {
    let result = Reg::new().verify_server_defect(Reg::reissue);
    assert_fails(result, ErrorKind::Challenge, Category::Challenge);
}

#[test]
fn origin_not_allowed() {
    assert_fails(with_origin("https://other.org"), ErrorKind::Origin, Category::Origin);
}

#[test]
fn suffix_origin() {
    assert_fails(with_origin("https://evilexample.com"), ErrorKind::Origin, Category::Origin);
}

#[test]
fn subdomain_origin() {
    assert_fails(with_origin("https://login.example.com"), ErrorKind::Origin, Category::Origin);
}

#[test]
fn http_origin_for_https() {
    assert_fails(with_origin("http://example.com"), ErrorKind::Origin, Category::Origin);
}

#[test]
fn origin_with_another_port() {
    assert_fails(with_origin("https://example.com:8443"), ErrorKind::Origin, Category::Origin);
}

#[test]
fn cross_origin_without_configured_top_origins() {
    let result = Reg::new().verify_defect(|k| k.cross_origin = Some(true));
    assert_fails(result, ErrorKind::TopOrigin, Category::Origin);
}

#[test]
fn top_origin_not_in_configured_list() {
    let result = embeddable().verify_defect(embedded_by("https://evil.example"));
    assert_fails(result, ErrorKind::TopOrigin, Category::Origin);
}

/// `topOrigin` is only meaningful for an embedded (cross-origin) ceremony: a configured top
/// origin without `crossOrigin: true`, or with `crossOrigin: false`, is refused.
#[test]
fn top_origin_without_cross_origin_is_refused() {
    for cross_origin in [None, Some(false)] {
        let result = embeddable().verify_defect(|k| {
            k.cross_origin = cross_origin;
            k.top_origin = Some(PARTNER.into());
        });
        assert_fails(result, ErrorKind::TopOrigin, Category::Origin);
    }
}

#[test]
fn configured_top_origin_is_accepted() {
    embeddable().verify_defect(embedded_by(PARTNER)).expect("a configured top origin may embed the ceremony");
}

#[test]
fn rp_id_hash_of_another_rp() {
    let result = Reg::new().verify_defect(|k| k.rp_id = "other.example".into());
    assert_fails(result, ErrorKind::RpIdHash, Category::RpId);
}

#[test]
fn user_presence_cleared() {
    let result = Reg::new().verify_defect(|k| k.flags = Flags::UV);
    assert_fails(result, ErrorKind::UserPresence, Category::UserPresence);
}

#[test]
fn user_verification_required_but_cleared() {
    let mut reg = Reg::build(rp(), KeyKind::Es256, UserVerification::Required);
    let result = reg.verify_defect(|k| k.flags = Flags::UP);
    assert_fails(result, ErrorKind::UserVerification, Category::UserVerification);
}

#[test]
fn algorithm_not_among_the_ceremony_algorithms() {
    // An EdDSA credential verifies under the default algorithms, not under a state that
    // offered ES256 only.
    let mut reg = Reg::build(rp(), KeyKind::EdDsa, UserVerification::Preferred);
    let result = reg.verify_server_defect(|reg| {
        reg.state = RegistrationState::new(
            reg.state.challenge().clone(),
            USER_A,
            reg.state.user_verification(),
            vec![CoseAlgorithm::Es256],
            reg.state.expires_at(),
        )
        .unwrap();
    });
    assert_fails(result, ErrorKind::AlgorithmNotAllowed, Category::Algorithm);
}

#[test]
fn packed_self_attestation_alg_differs_from_key() {
    let mut reg = Reg::new();
    reg.verify_defect(|k| k.attestation = SoftAttestation::PackedSelf).expect("honest packed self attestation");
    let result = reg.verify_defect(|k| k.attestation = SoftAttestation::PackedSelfWithAlg(CoseAlgorithm::Es384.id()));
    assert_fails(result, ErrorKind::Attestation(AttestationError::UnsupportedAlgorithm), Category::Attestation);
}

#[test]
fn packed_self_attestation_bad_signature() {
    let reg = Reg::new();
    let auth_data = reg.auth_data();
    let good = packed_self_object(&reg.cred, &auth_data, &sha256(&reg.client_data()));
    reg.verify_tampered(|p| p.attestation_object = good).expect("a correctly signed crafted packed statement verifies");
    // A valid signature by the right key, over another clientDataJSON.
    let bad = packed_self_object(&reg.cred, &auth_data, &sha256(b"{\"type\":\"webauthn.create\"}"));
    let result = reg.verify_tampered(|p| p.attestation_object = bad);
    assert_fails(result, ErrorKind::Attestation(AttestationError::BadSignature), Category::Attestation);
}

#[test]
fn unknown_attestation_format() {
    let result = Reg::new().verify_defect(|k| k.attestation = SoftAttestation::Format("acme-secure".into()));
    assert_fails(result, ErrorKind::Attestation(AttestationError::UnknownFormat), Category::Attestation);
}

#[test]
fn raw_id_differs_from_attested_credential_id() {
    let result = Reg::new().verify_tampered(|p| p.raw_id = vec![0xee; 16]);
    assert_fails(result, ErrorKind::CredentialId, Category::Credential);
}

/// The origin a client reports is compared as browsers serialise it, not normalised: an
/// upper-case host, the default port written out or a trailing slash is another string.
#[test]
fn origins_not_in_the_browsers_serialisation_are_refused() {
    for origin in ["https://EXAMPLE.com", "HTTPS://example.com", "https://example.com:443", "https://example.com/"] {
        assert_fails(with_origin(origin), ErrorKind::Origin, Category::Origin);
    }
    with_origin("https://example.com").expect("the serialised origin");
}
