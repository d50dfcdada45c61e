//! Credential public keys (COSE_Key) a registration must refuse. Each key goes into otherwise
//! honest authenticator data with `none` attestation, after the honest key passed the same path.

use ciborium::Value;
use passkey_verifier::testkit::KeyKind;
use passkey_verifier::{Category, CoseAlgorithm, ErrorKind, Input, UserVerification, VerifiedRegistration};

use super::{assert_fails, cose_key, cose_with, int, rp, Reg};

/// Registers a `kind` credential whose COSE key is replaced by `edit(honest key)`.
fn register_key(kind: KeyKind, edit: impl FnOnce(&[u8]) -> Vec<u8>) -> passkey_verifier::Result<VerifiedRegistration> {
    let reg = Reg::build(rp(), kind, UserVerification::Preferred);
    let key = edit(&reg.cred.cose_public_key());
    reg.verify_with_auth_data(&reg.auth_data_for(reg.cred.id(), &key))
}

/// An RS256 COSE key with modulus `n` and exponent 65537.
fn rsa_key_with_modulus(n: Vec<u8>) -> Vec<u8> {
    cose_key(vec![
        (int(1), int(3)),
        (int(3), int(CoseAlgorithm::Rs256.id())),
        (int(-1), Value::Bytes(n)),
        (int(-2), Value::Bytes(vec![0x01, 0x00, 0x01])),
    ])
}

/// An RS256 COSE key with a `bits`-bit modulus (all ones).
fn rsa_key(bits: usize) -> Vec<u8> {
    rsa_key_with_modulus(vec![0xff; bits / 8])
}

fn assert_unsupported(result: passkey_verifier::Result<VerifiedRegistration>) {
    assert_fails(result, ErrorKind::UnsupportedKey, Category::Algorithm);
}

#[test]
fn es256_alg_with_p384_curve() {
    assert_unsupported(register_key(KeyKind::Es256, |k| cose_with(k, -1, int(2))));
}

#[test]
fn ec_point_not_on_the_curve() {
    assert_unsupported(register_key(KeyKind::Es256, |k| {
        cose_with(&cose_with(k, -2, Value::Bytes(vec![1; 32])), -3, Value::Bytes(vec![1; 32]))
    }));
}

#[test]
fn rsa_modulus_of_8200_bits() {
    assert_unsupported(register_key(KeyKind::Es256, |_| rsa_key(8200)));
}

#[test]
fn rsa_modulus_of_1024_bits() {
    assert_unsupported(register_key(KeyKind::Es256, |_| rsa_key(1024)));
}

#[test]
fn ed25519_small_order_key() {
    // The encoding of the identity point (y = 1): a valid point of order 1.
    let mut identity = vec![0; 32];
    identity[0] = 1;
    assert_unsupported(register_key(KeyKind::EdDsa, |k| cose_with(k, -2, Value::Bytes(identity))));
}

#[test]
fn kty_as_text() {
    let result = register_key(KeyKind::EdDsa, |k| cose_with(k, 1, Value::Text("OKP".into())));
    assert_fails(result, ErrorKind::Malformed(Input::CoseKey), Category::Malformed);
}

#[test]
fn unknown_algorithm() {
    assert_unsupported(register_key(KeyKind::Es256, |k| cose_with(k, 3, int(-100))));
}

/// Regression: an all-zero modulus once underflowed the bit-length computation.
#[test]
fn rsa_modulus_of_zeros() {
    assert_unsupported(register_key(KeyKind::Es256, |_| rsa_key_with_modulus(vec![0; 256])));
}
