//! Verification benchmarks: full ceremonies from JSON bytes against the bare signature
//! verification they contain, the parsers on their own, and allocation counts.
//!
//! Every input is built once, outside the timed loops, with the software authenticator (and
//! its test PKI for the attestation chains). Allocation counts are a test of their own:
//! `cargo test --test allocations -- --nocapture`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use p256::ecdsa::signature::Verifier as _;
use passkey_verifier::hazmat::auth_data::AuthenticatorData;
use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::hazmat::cose::CoseKey;
use passkey_verifier::hazmat::crypto;
use passkey_verifier::testkit::pki::{p256_key, TestCa};
use passkey_verifier::testkit::{KeyKind, SoftAttestation, SoftCredential};
use passkey_verifier::{AuthenticationResponse, RegistrationResponse};
use sha2::Digest as _;
use support::{rng, AssertionFixture, RegistrationFixture, PACKED_SUBJECT, USER_HANDLE, VALIDITY};

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

fn es256(c: &mut Criterion) {
    let f = AssertionFixture::new(KeyKind::Es256);
    let point = f.sec1_point();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("P-256 key");
    let sig = p256::ecdsa::Signature::from_der(&f.signature).expect("DER signature");
    key.verify(&f.message, &sig).expect("bare ES256 verifies");

    let mut g = c.benchmark_group("es256");
    g.bench_function("assertion_from_json", |b| b.iter(|| f.run()));
    g.bench_function("bare_signature", |b| b.iter(|| key.verify(black_box(&f.message), black_box(&sig)).is_ok()));
    #[cfg(feature = "ring")]
    {
        use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
        let ring_key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point.as_slice());
        ring_key.verify(&f.message, &f.signature).expect("bare ring ES256 verifies");
        g.bench_function("bare_signature_ring", |b| {
            b.iter(|| ring_key.verify(black_box(&f.message), black_box(&f.signature)).is_ok());
        });
    }
    g.finish();
}

fn eddsa(c: &mut Criterion) {
    let f = AssertionFixture::new(KeyKind::EdDsa);
    let key = ed25519_dalek::VerifyingKey::from_bytes(&f.ed25519_key()).expect("Ed25519 key");
    let sig = ed25519_dalek::Signature::from_slice(&f.signature).expect("Ed25519 signature");
    key.verify_strict(&f.message, &sig).expect("bare EdDSA verifies");

    let mut g = c.benchmark_group("eddsa");
    g.bench_function("assertion_from_json", |b| b.iter(|| f.run()));
    g.bench_function("bare_signature", |b| {
        b.iter(|| key.verify_strict(black_box(&f.message), black_box(&sig)).is_ok());
    });
    g.finish();
}

fn rs256(c: &mut Criterion) {
    let f = AssertionFixture::new(KeyKind::Rs256);
    let (n, e) = f.rsa_components();
    let key = rsa::PublicKey::new(rsa::BoxedUint::from_be_slice_vartime(&n), rsa::BoxedUint::from_be_slice_vartime(&e))
        .expect("RSA key");
    let bare = |message: &[u8], signature: &[u8]| {
        key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(message), signature).is_ok()
    };
    assert!(bare(&f.message, &f.signature), "bare RS256 verifies");

    let mut g = c.benchmark_group("rs256");
    g.bench_function("assertion_from_json", |b| b.iter(|| f.run()));
    g.bench_function("bare_signature", |b| b.iter(|| bare(black_box(&f.message), black_box(&f.signature))));
    #[cfg(feature = "ring")]
    {
        use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
        let ring_key = RsaPublicKeyComponents { n: &n, e: &e };
        ring_key.verify(&RSA_PKCS1_2048_8192_SHA256, &f.message, &f.signature).expect("bare ring RS256 verifies");
        g.bench_function("bare_signature_ring", |b| {
            b.iter(|| {
                ring_key.verify(&RSA_PKCS1_2048_8192_SHA256, black_box(&f.message), black_box(&f.signature)).is_ok()
            });
        });
    }
    g.finish();
}

fn registration_group(c: &mut Criterion) {
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rng());
    let none = RegistrationFixture::new(&mut soft, SoftAttestation::None);
    let packed = RegistrationFixture::new(&mut soft, SoftAttestation::PackedSelf);
    none.run();
    packed.run();

    let mut g = c.benchmark_group("registration");
    g.bench_function("none_from_json", |b| b.iter(|| none.run()));
    g.bench_function("packed_self_from_json", |b| b.iter(|| packed.run()));
    g.finish();
}

/// Attestation with certificate chains, next to the bare signature checks they contain:
/// packed x5c = the statement signature, the leaf's link to the intermediate and the
/// intermediate's link to the configured root (three ECDSA P-256 verifications); tpm = the
/// certInfo signature and the same two links. Certificates are parsed once per verification.
fn attestation_group(c: &mut Criterion) {
    let root = TestCa::root("Bench Root", VALIDITY);
    let ca = root.intermediate("Bench CA", VALIDITY);
    let key = p256_key(&mut rng());
    let leaf = ca.leaf(PACKED_SUBJECT, key.verifying_key(), VALIDITY, vec![], false);
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rng());
    let packed =
        RegistrationFixture::new(&mut soft, SoftAttestation::Packed { key, x5c: vec![leaf, ca.cert_der().to_vec()] })
            .trusting(&root);
    let tpm = RegistrationFixture::new(&mut soft, SoftAttestation::tpm(ca.clone())).trusting(&root);
    assert!(packed.run().attestation().trusted() && tpm.run().attestation().trusted());

    // The bare cost: three P-256 verifications (a statement and two links).
    let sk = p256_key(&mut rng());
    let vk = *sk.verifying_key();
    let message = vec![7u8; 200];
    let signature: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&sk, &message);

    let mut g = c.benchmark_group("attestation");
    g.bench_function("packed_x5c_from_json", |b| b.iter(|| packed.run()));
    g.bench_function("tpm_from_json", |b| b.iter(|| tpm.run()));
    g.bench_function("three_bare_p256_signatures", |b| {
        b.iter(|| (0..3).all(|_| vk.verify(black_box(&message), black_box(&signature)).is_ok()))
    });
    g.finish();
}

fn parse(c: &mut Criterion) {
    let f = AssertionFixture::new(KeyKind::Es256);
    let key = f.cose_key();

    let mut g = c.benchmark_group("parse");
    g.bench_function("client_data", |b| {
        b.iter(|| ClientData::parse(black_box(&f.client_data_json)).expect("client data").origin().len());
    });
    g.bench_function("authenticator_data", |b| {
        b.iter(|| AuthenticatorData::parse(black_box(&f.authenticator_data)).expect("authenticator data").sign_count());
    });
    g.bench_function("cose_key", |b| {
        b.iter(|| CoseKey::parse(black_box(&f.credential.public_key)).expect("COSE key").alg());
    });
    g.bench_function("assertion_json", |b| {
        b.iter(|| AuthenticationResponse::from_json(black_box(&f.json)).expect("assertion JSON"));
    });
    // The rest of the ES256 overhead: hashing clientDataJSON and building the P-256 key from
    // the COSE coordinates (what verification does with the stored key every time).
    g.bench_function("sha256_client_data", |b| b.iter(|| crypto::sha256(black_box(&f.client_data_json))));
    g.bench_function("p256_key_from_cose", |b| b.iter(|| crypto::validate_key(black_box(&key)).is_ok()));
    // EdDSA pays more: building the Ed25519 key from the COSE bytes decompresses the point.
    let ed = AssertionFixture::new(KeyKind::EdDsa);
    let ed_key = ed.cose_key();
    g.bench_function("ed25519_key_from_cose", |b| b.iter(|| crypto::validate_key(black_box(&ed_key)).is_ok()));
    // The registration breakdown: the response JSON alone.
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rng());
    let none = RegistrationFixture::new(&mut soft, SoftAttestation::None);
    g.bench_function("registration_json", |b| {
        b.iter(|| RegistrationResponse::from_json(black_box(&none.json)).expect("registration JSON"));
    });
    g.finish();
}

criterion_group!(benches, es256, eddsa, rs256, registration_group, attestation_group, parse);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
