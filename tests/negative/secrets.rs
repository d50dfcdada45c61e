//! Errors are safe to log: neither `Display` nor `Debug` carries the challenge, the origin the
//! client sent, or the credential ID.

use passkey_verifier::encoding::b64;
use passkey_verifier::{Category, Error, ErrorKind};

use super::{assert_fails, Auth, Reg};

const EVIL_ORIGIN: &str = "https://evilexample.com";

#[track_caller]
fn assert_redacted(err: &Error, secrets: &[String]) {
    for text in [format!("{err}"), format!("{err:?}")] {
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "{text:?} reveals {secret:?}");
        }
    }
}

#[test]
fn registration_errors_reveal_no_challenge_origin_or_credential_id() {
    let mut reg = Reg::new();
    let issued = reg.state.challenge().to_base64url();
    let err = assert_fails(reg.verify_defect(|k| k.origin = EVIL_ORIGIN.into()), ErrorKind::Origin, Category::Origin);
    assert_redacted(&err, &[issued.clone(), EVIL_ORIGIN.into(), b64::encode(reg.cred.id())]);

    let err = assert_fails(reg.verify_server_defect(Reg::reissue), ErrorKind::Challenge, Category::Challenge);
    let reissued = reg.state.challenge().to_base64url();
    assert_redacted(&err, &[issued, reissued, b64::encode(reg.cred.id())]);
}

#[test]
fn authentication_errors_reveal_no_challenge_origin_or_credential_id() {
    let mut auth = Auth::new();
    let secrets =
        |auth: &Auth| vec![auth.state.challenge().to_base64url(), EVIL_ORIGIN.to_owned(), b64::encode(auth.cred.id())];
    let err = assert_fails(auth.verify_defect(|k| k.origin = EVIL_ORIGIN.into()), ErrorKind::Origin, Category::Origin);
    assert_redacted(&err, &secrets(&auth));

    let err = assert_fails(
        auth.verify_tampered(|p, _| *p.signature.last_mut().expect("signature") ^= 1),
        ErrorKind::Signature,
        Category::Signature,
    );
    assert_redacted(&err, &secrets(&auth));

    let err = assert_fails(
        auth.verify_server_defect(|auth| auth.stored.id = vec![0xee; 16]),
        ErrorKind::CredentialId,
        Category::Credential,
    );
    assert_redacted(&err, &[secrets(&auth), vec![b64::encode(&[0xee; 16])]].concat());
}
