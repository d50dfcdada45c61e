//! Verification benchmarks: full ceremonies from JSON bytes against the bare signature
//! verification they contain, the parsers on their own, and allocation counts.
//!
//! Every input is built once, outside the timed loops, with the software authenticator (and
//! its test PKI for the attestation chains). Allocation counts are a test of their own:
//! `cargo test --test allocations -- --nocapture`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use p256::ecdsa::signature::Verifier as _;
use passkey_verifier::cose::{CoseKey, KeyParams};
use passkey_verifier::testkit::pki::{p256_key, TestCa};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation, SoftCredential};
use passkey_verifier::wire::auth_data::AuthenticatorData;
use passkey_verifier::wire::client_data::ClientData;
use passkey_verifier::{
    crypto, start_authentication, start_registration, verify_authentication, verify_registration,
    AuthenticationOptions, AuthenticationResponse, AuthenticationState, CredentialDescriptor, Policy,
    RegistrationOptions, RegistrationResponse, RegistrationState, RelyingParty, StoredCredential, UnixTime, User,
};
use sha2::Digest as _;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const RP_ID: &str = "example.com";
const ORIGIN: &str = "https://example.com";
const USER_HANDLE: &[u8] = b"bench-user-handle-0001";
/// The ceremonies start at NOW; their state expires 300 s later, far after every run.
const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

fn relying_party() -> RelyingParty {
    RelyingParty::builder(RP_ID).name("Bench").origin(ORIGIN).build().expect("relying party")
}

fn user() -> User {
    User { id: USER_HANDLE.to_vec(), name: "bench@example.com".into(), display_name: "Bench".into() }
}

/// A registration response and the state it answers.
struct RegistrationFixture {
    rp: RelyingParty,
    state: RegistrationState,
    json: Vec<u8>,
}

impl RegistrationFixture {
    fn run(&self) -> passkey_verifier::VerifiedRegistration {
        let response = RegistrationResponse::from_json(&self.json).expect("registration JSON");
        verify_registration(&self.rp, &self.state, response, NOW).expect("registration verifies")
    }
}

impl RegistrationFixture {
    /// The same fixture at a relying party that trusts `root` and requires trust.
    fn trusting(mut self, root: &TestCa) -> Self {
        let mut policy = Policy::default();
        policy.require_trusted_attestation = true;
        self.rp = RelyingParty::builder(RP_ID)
            .origin(ORIGIN)
            .attestation_root(root.cert_der())
            .policy(policy)
            .build()
            .expect("relying party");
        self
    }
}

const VALIDITY: (u64, u64) = (1_700_000_000, 1_800_000_000);
const PACKED_SUBJECT: &str = "C=US,O=Bench,OU=Authenticator Attestation,CN=Bench Key";

fn registration(soft: &mut SoftCredential, attestation: SoftAttestation) -> RegistrationFixture {
    let rp = relying_party();
    let (_, state) = start_registration(
        &rp,
        &user(),
        &RegistrationOptions::default(),
        &mut rand_core::UnwrapErr(getrandom::SysRng),
        NOW,
    )
    .expect("start registration");
    let mut knobs = Knobs::new(RP_ID, ORIGIN);
    knobs.attestation = attestation;
    let json = soft.register(state.challenge().as_bytes(), &knobs).into_bytes();
    RegistrationFixture { rp, state, json }
}

/// An assertion response, the state and stored credential it verifies against, and the
/// pieces the bare signature verification needs.
struct AssertionFixture {
    rp: RelyingParty,
    state: AuthenticationState,
    credential: StoredCredential,
    json: Vec<u8>,
    /// `authenticatorData || SHA-256(clientDataJSON)`: what the signature covers.
    message: Vec<u8>,
    client_data_json: Vec<u8>,
    authenticator_data: Vec<u8>,
    signature: Vec<u8>,
}

impl AssertionFixture {
    fn new(kind: KeyKind) -> Self {
        let mut soft = SoftCredential::new(kind, USER_HANDLE, &mut rand_core::UnwrapErr(getrandom::SysRng));
        let credential = registration(&mut soft, SoftAttestation::None).run().to_stored_credential();

        let rp = relying_party();
        let mut options = AuthenticationOptions::default();
        options.user_handle = Some(USER_HANDLE.to_vec());
        options.allow_credentials =
            vec![CredentialDescriptor { id: credential.id.clone(), transports: vec!["internal".into()] }];
        let (_, state) = start_authentication(&rp, &options, &mut rand_core::UnwrapErr(getrandom::SysRng), NOW)
            .expect("start authentication");
        let json = soft.assert(state.challenge().as_bytes(), &Knobs::new(RP_ID, ORIGIN)).into_bytes();

        let parsed = AuthenticationResponse::from_json(&json).expect("assertion JSON");
        let mut message = parsed.authenticator_data().to_vec();
        message.extend_from_slice(&crypto::sha256(parsed.client_data_json()));
        let fixture = Self {
            client_data_json: parsed.client_data_json().to_vec(),
            authenticator_data: parsed.authenticator_data().to_vec(),
            signature: parsed.signature().to_vec(),
            rp,
            state,
            credential,
            json,
            message,
        };
        fixture.run();
        fixture
    }

    /// What `assertion_from_json` times: parse the JSON bytes, verify the assertion.
    fn run(&self) -> passkey_verifier::VerifiedAuthentication {
        let response = AuthenticationResponse::from_json(&self.json).expect("assertion JSON");
        verify_authentication(&self.rp, &self.state, response, &self.credential, NOW).expect("assertion verifies")
    }

    fn cose_key(&self) -> CoseKey<'_> {
        CoseKey::parse(&self.credential.public_key).expect("stored COSE key")
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

fn es256(c: &mut Criterion) {
    let f = AssertionFixture::new(KeyKind::Es256);
    let KeyParams::Ec2 { x, y, .. } = *f.cose_key().params() else { panic!("ES256 key is not EC2") };
    let point = [&[0x04][..], x, y].concat();
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
    let KeyParams::Ed25519 { x } = *f.cose_key().params() else { panic!("EdDSA key is not OKP") };
    let key = ed25519_dalek::VerifyingKey::from_bytes(x).expect("Ed25519 key");
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
    let KeyParams::Rsa { n, e } = *f.cose_key().params() else { panic!("RS256 key is not RSA") };
    let key = rsa::PublicKey::new(rsa::BoxedUint::from_be_slice_vartime(n), rsa::BoxedUint::from_be_slice_vartime(e))
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
        let ring_key = RsaPublicKeyComponents { n, e };
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
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::UnwrapErr(getrandom::SysRng));
    let none = registration(&mut soft, SoftAttestation::None);
    let packed = registration(&mut soft, SoftAttestation::PackedSelf);
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
    let key = p256_key(&mut rand_core::UnwrapErr(getrandom::SysRng));
    let leaf = ca.leaf(PACKED_SUBJECT, key.verifying_key(), VALIDITY, vec![], false);
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::UnwrapErr(getrandom::SysRng));
    let packed = registration(&mut soft, SoftAttestation::Packed { key, x5c: vec![leaf, ca.cert_der().to_vec()] })
        .trusting(&root);
    let tpm = registration(&mut soft, SoftAttestation::tpm(ca.clone())).trusting(&root);
    assert!(packed.run().attestation().trusted() && tpm.run().attestation().trusted());

    // The bare cost: three P-256 verifications (a statement and two links).
    let sk = p256_key(&mut rand_core::UnwrapErr(getrandom::SysRng));
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
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::UnwrapErr(getrandom::SysRng));
    let none = registration(&mut soft, SoftAttestation::None);
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
