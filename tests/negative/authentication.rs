//! §7.2 Verifying an Authentication Assertion: one failing check per test.

use getrandom::SysRng;
use passkey_verifier::testkit::{der_ecdsa_signature, high_s, KeyKind, SoftCredential};
use passkey_verifier::BackupEligibility;
use passkey_verifier::{
    Category, CoseAlgorithm, CounterOutcome, CounterPolicy, CredentialDescriptor, ErrorKind, Flags, Policy, UnixTime,
    VerifiedAuthentication,
};
use rand_core::UnwrapErr;

use super::{assert_fails, cose_with, int, rp, rp_with_policy, Auth, USER_A, USER_B};

type Result<T> = passkey_verifier::Result<T>;

/// The honest assertion with its signature replaced by `f(signature)`.
fn with_signature(f: impl FnOnce(&[u8]) -> Vec<u8>) -> Result<VerifiedAuthentication> {
    Auth::new().verify_tampered(|p, _| p.signature = f(&p.signature))
}

/// `(r, s)` of a DER P-256 signature, big-endian.
fn scalars(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (r, s) = p256::ecdsa::Signature::from_der(der).expect("DER ECDSA signature").split_bytes();
    (r.to_vec(), s.to_vec())
}

fn is_high_s(der: &[u8]) -> bool {
    let signature = p256::ecdsa::Signature::from_der(der).expect("DER ECDSA signature");
    signature.normalize_s() != signature
}

/// A credential that stored count `stored` presenting count `presented`, under `counter`.
fn counter(stored: u32, presented: u32, counter: CounterPolicy) -> Result<VerifiedAuthentication> {
    let mut policy = Policy::default();
    policy.counter = counter;
    let mut auth = Auth::build(rp_with_policy(policy), KeyKind::Es256);
    auth.stored.sign_count = stored;
    auth.verify_defect(|k| k.sign_count = Some(presented))
}

#[test]
fn expired_state() {
    let mut auth = Auth::new();
    let json = auth.honest_json();
    let expires_at = auth.state.expires_at();
    auth.verify_at(&json, UnixTime::from_secs(expires_at.as_secs() - 1)).expect("valid until its expiry");
    assert_fails(auth.verify_at(&json, expires_at), ErrorKind::CeremonyExpired, Category::Challenge);
}

#[test]
fn credential_not_in_allow_credentials() {
    let result = Auth::new().verify_server_defect(|auth| {
        auth.reissue(|o| o.allow_credentials = vec![CredentialDescriptor { id: vec![0xee; 16], transports: vec![] }]);
    });
    assert_fails(result, ErrorKind::CredentialNotAllowed, Category::Credential);
}

#[test]
fn stored_credential_id_differs_from_raw_id() {
    let result = Auth::new().verify_server_defect(|auth| auth.stored.id = vec![0xee; 16]);
    assert_fails(result, ErrorKind::CredentialId, Category::Credential);
}

#[test]
fn identified_user_with_user_handle_of_another_user() {
    let result = Auth::new().verify_tampered(|p, _| p.user_handle = Some(USER_B.to_vec()));
    assert_fails(result, ErrorKind::UserHandle, Category::Credential);
}

#[test]
fn identified_user_presenting_another_users_credential() {
    let result = Auth::new().verify_server_defect(|auth| auth.reissue(|o| o.user_handle = Some(USER_B.to_vec())));
    assert_fails(result, ErrorKind::UserHandle, Category::Credential);
}

#[test]
fn discoverable_with_user_handle_of_another_user() {
    // The credential belongs to user B; the authenticator returns user A's handle.
    let mut auth = Auth::new();
    auth.discoverable();
    let result = auth.verify_server_defect(|auth| auth.stored.user_handle = USER_B.to_vec());
    assert_fails(result, ErrorKind::UserHandle, Category::Credential);
}

#[test]
fn discoverable_without_user_handle() {
    let mut auth = Auth::new();
    auth.discoverable();
    let result = auth.verify_defect(|k| k.return_user_handle = false);
    assert_fails(result, ErrorKind::UserHandle, Category::Credential);
}

#[test]
fn client_data_type_webauthn_create() {
    let result = Auth::new().verify_defect(|k| k.client_data_type = Some("webauthn.create".into()));
    assert_fails(result, ErrorKind::ClientDataType, Category::Type);
}

#[test]
fn wrong_challenge() {
    let result = Auth::new().verify_server_defect(|auth| auth.reissue(|_| {}));
    assert_fails(result, ErrorKind::Challenge, Category::Challenge);
}

#[test]
fn suffix_origin() {
    let result = Auth::new().verify_defect(|k| k.origin = "https://evilexample.com".into());
    assert_fails(result, ErrorKind::Origin, Category::Origin);
}

#[test]
fn top_origin_not_configured() {
    let result = Auth::new().verify_defect(|k| {
        k.cross_origin = Some(true);
        k.top_origin = Some("https://evil.example".into());
    });
    assert_fails(result, ErrorKind::TopOrigin, Category::Origin);
}

#[test]
fn rp_id_hash_of_another_rp() {
    let result = Auth::new().verify_defect(|k| k.rp_id = "other.example".into());
    assert_fails(result, ErrorKind::RpIdHash, Category::RpId);
}

#[test]
fn user_presence_cleared() {
    let result = Auth::new().verify_defect(|k| k.flags = Flags::UV);
    assert_fails(result, ErrorKind::UserPresence, Category::UserPresence);
}

#[test]
fn user_verification_required_but_not_set() {
    let mut auth = Auth::new();
    auth.reissue(|o| o.user_verification = passkey_verifier::UserVerification::Required);
    let result = auth.verify_defect(|k| k.flags = Flags::UP);
    assert_fails(result, ErrorKind::UserVerification, Category::UserVerification);
}

#[test]
fn sticky_user_verification_for_credential_registered_with_uv() {
    let mut policy = Policy::default();
    policy.sticky_user_verification = true;
    let mut auth = Auth::build(rp_with_policy(policy), KeyKind::Es256);
    assert!(auth.stored.uv_initialized, "registered with UV");
    let result = auth.verify_defect(|k| k.flags = Flags::UP);
    assert_fails(result, ErrorKind::UserVerification, Category::UserVerification);
}

#[test]
fn without_sticky_policy_preferred_uv_may_be_skipped() {
    let mut auth = Auth::new();
    assert!(auth.stored.uv_initialized, "registered with UV");
    let verified = auth.verify_defect(|k| k.flags = Flags::UP).expect("UV preferred, not required");
    assert!(!verified.user_verified());
}

#[test]
fn backup_eligibility_changed_since_registration() {
    let mut auth = Auth::new();
    assert_eq!(auth.stored.backup_eligible, BackupEligibility::NotEligible);
    let result = auth.verify_defect(|k| k.flags |= Flags::BE);
    assert_fails(result, ErrorKind::BackupEligibility, Category::Credential);
}

#[test]
fn signature_bit_flipped() {
    // The last byte is inside `s`: the DER stays well formed, the value is wrong.
    let result = with_signature(|sig| {
        let mut sig = sig.to_vec();
        *sig.last_mut().expect("non-empty signature") ^= 0x01;
        sig
    });
    assert_fails(result, ErrorKind::Signature, Category::Signature);
}

#[test]
fn signature_by_another_key() {
    let other = SoftCredential::new(KeyKind::Es256, USER_A, &mut UnwrapErr(SysRng));
    let result = Auth::new().verify_tampered(|p, _| p.sign_with(&other));
    assert_fails(result, ErrorKind::Signature, Category::Signature);
}

#[test]
fn ecdsa_signature_with_r_zero() {
    let result = with_signature(|sig| der_ecdsa_signature(&[0], &scalars(sig).1));
    assert_fails(result, ErrorKind::Signature, Category::Signature);
}

#[test]
fn ecdsa_signature_with_s_zero() {
    let result = with_signature(|sig| der_ecdsa_signature(&scalars(sig).0, &[0]));
    assert_fails(result, ErrorKind::Signature, Category::Signature);
}

#[test]
fn high_s_ecdsa_signature_is_accepted() {
    with_signature(|sig| {
        let flipped = high_s(sig);
        assert_ne!(is_high_s(sig), is_high_s(&flipped), "exactly one of (r, s) and (r, n - s) is high-S");
        flipped
    })
    .expect("(r, n - s) verifies as well as (r, s)");
}

#[test]
fn truncated_signature() {
    let result = with_signature(|sig| sig[..sig.len() - 1].to_vec());
    assert_fails(result, ErrorKind::Signature, Category::Signature);
}

#[test]
fn counter_equal_to_stored() {
    assert_fails(counter(5, 5, CounterPolicy::Reject), ErrorKind::Counter, Category::Counter);
}

#[test]
fn counter_reset_to_zero() {
    assert_fails(counter(5, 0, CounterPolicy::Reject), ErrorKind::Counter, Category::Counter);
}

#[test]
fn counter_decreased() {
    assert_fails(counter(5, 4, CounterPolicy::Reject), ErrorKind::Counter, Category::Counter);
}

#[test]
fn counter_both_zero_passes() {
    let verified = counter(0, 0, CounterPolicy::Reject).expect("authenticator without a counter");
    assert_eq!((verified.counter(), verified.sign_count()), (CounterOutcome::BothZero, 0));
}

#[test]
fn counter_increase_passes() {
    let verified = counter(5, 9, CounterPolicy::Reject).expect("counter increased");
    assert_eq!((verified.counter(), verified.sign_count()), (CounterOutcome::Increased, 9));
}

#[test]
fn counter_regression_reported_under_report_policy() {
    let verified = counter(5, 4, CounterPolicy::Report).expect("reported, not rejected");
    assert_eq!((verified.counter(), verified.sign_count()), (CounterOutcome::Regressed, 5), "never lowered");
}

#[test]
fn rs1_stored_key_without_allow_sha1() {
    // Only one RSA key is generated: an RS256 credential whose stored key is relabelled RS1.
    let mut auth = Auth::build(rp(), KeyKind::Rs256);
    let result = auth.verify_server_defect(|auth| {
        auth.stored.public_key = cose_with(&auth.stored.public_key, 3, int(CoseAlgorithm::Rs1.id()));
    });
    assert_fails(result, ErrorKind::AlgorithmNotAllowed, Category::Algorithm);
    // With SHA-1 allowed the same assertion gets past that check (and fails the SHA-1
    // signature check, since the authenticator signed with SHA-256).
    let mut policy = Policy::default();
    policy.dangerous.allow_sha1 = true;
    auth.rp = rp_with_policy(policy);
    let json = auth.honest_json();
    assert_fails(auth.verify(&json), ErrorKind::Signature, Category::Signature);
}
