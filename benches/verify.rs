//! Verification benchmarks: full ceremonies from JSON bytes against the bare signature
//! verification they contain, the parsers on their own, and allocation counts.
//!
//! Every input is built once, outside the timed loops, with the software authenticator.
//! Before criterion runs, the allocations of one ES256 assertion and one `none` registration
//! are counted and printed, and the ES256 assertion is held to its allocation budget (so that
//! `cargo bench --bench verify -- --test` catches regressions).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use p256::ecdsa::signature::Verifier as _;
use passkey_verifier::cose::{CoseKey, KeyParams};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation, SoftCredential};
use passkey_verifier::wire::auth_data::AuthenticatorData;
use passkey_verifier::wire::client_data::ClientData;
use passkey_verifier::{
    crypto, start_authentication, start_registration, verify_authentication, verify_registration,
    AuthenticationOptions, AuthenticationResponse, AuthenticationState, CredentialDescriptor, RegistrationOptions,
    RegistrationResponse, RegistrationState, RelyingParty, StoredCredential, UnixTime, User,
};
use sha2::Digest as _;

// ---------------------------------------------------------------------------------------------
// Allocation counting
// ---------------------------------------------------------------------------------------------
//
// A counting `#[global_allocator]` needs `unsafe impl GlobalAlloc`, and Cargo.toml sets
// `[lints.rust] unsafe_code = "forbid"` for every target of the package, benches included
// (a forbid cannot be lifted by `#[allow]`). Until that becomes `deny` (then add
// `#![allow(unsafe_code)]` here and drop the cfg), the allocator is compiled only under
// `--cfg count_allocations` with lints capped, for the bench target alone:
//
//   cargo rustc --profile bench --bench verify -- --cfg count_allocations --cap-lints warn
//   target/release/deps/verify-<hash> --test      # or: --bench

#[allow(unexpected_cfgs)] // `count_allocations`, see the comment above
mod allocations {
    #[cfg(count_allocations)]
    use super::{registration, AssertionFixture, KeyKind, SoftAttestation, SoftCredential, USER_HANDLE};

    #[cfg(count_allocations)]
    mod counting {
        use std::alloc::{GlobalAlloc, Layout, System};
        use std::hint::black_box;
        use std::sync::atomic::{AtomicUsize, Ordering};

        /// Counts every allocation (`alloc`, `alloc_zeroed`, `realloc`) made by any thread.
        struct CountingAllocator;

        static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

        // SAFETY: every call is forwarded unchanged to the system allocator; the counter is atomic.
        unsafe impl GlobalAlloc for CountingAllocator {
            unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
                ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
                System.alloc(layout)
            }

            unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
                ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
                System.alloc_zeroed(layout)
            }

            unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
                ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
                System.realloc(ptr, layout, new_size)
            }

            unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
                System.dealloc(ptr, layout);
            }
        }

        #[global_allocator]
        static GLOBAL: CountingAllocator = CountingAllocator;

        /// The allocations `f` makes (including dropping its result), on an otherwise idle process.
        pub(crate) fn count<T>(f: impl FnOnce() -> T) -> usize {
            let before = ALLOCATIONS.load(Ordering::SeqCst);
            drop(black_box(f()));
            ALLOCATIONS.load(Ordering::SeqCst) - before
        }
    }

    /// The most allocations one ES256 assertion (parse + verify) may make.
    const ES256_ASSERTION_ALLOCATION_BUDGET: usize = 4;

    /// Counts, prints and checks the allocations of one ceremony of each kind.
    #[cfg(count_allocations)]
    pub(crate) fn report() {
        let assertion = AssertionFixture::new(KeyKind::Es256);
        let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::OsRng);
        let none = registration(&mut soft, SoftAttestation::None);
        // Warm up (lazy initialisation anywhere must not be counted).
        assertion.run();
        none.run();

        let per_assertion = counting::count(|| assertion.run());
        let per_registration = counting::count(|| none.run());
        println!("allocations per ES256 assertion: {per_assertion}");
        println!("allocations per none registration: {per_registration}");
        assert!(
            per_assertion <= ES256_ASSERTION_ALLOCATION_BUDGET,
            "allocation regression: one ES256 assertion (AuthenticationResponse::from_json + verify_authentication) \
             made {per_assertion} allocations; the budget is {ES256_ASSERTION_ALLOCATION_BUDGET}"
        );
    }

    #[cfg(not(count_allocations))]
    pub(crate) fn report() {
        let _ = ES256_ASSERTION_ALLOCATION_BUDGET;
        println!(
            "allocation counting is off (unsafe_code is forbidden for benches); see 'Allocation counting' in \
             benches/verify.rs to enable it"
        );
    }
}

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

fn registration(soft: &mut SoftCredential, attestation: SoftAttestation) -> RegistrationFixture {
    let rp = relying_party();
    let (_, state) = start_registration(&rp, &user(), &RegistrationOptions::default(), &mut rand_core::OsRng, NOW)
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
        let mut soft = SoftCredential::new(kind, USER_HANDLE, &mut rand_core::OsRng);
        let credential = registration(&mut soft, SoftAttestation::None).run().to_stored_credential();

        let rp = relying_party();
        let mut options = AuthenticationOptions::default();
        options.user_handle = Some(USER_HANDLE.to_vec());
        options.allow_credentials =
            vec![CredentialDescriptor { id: credential.id.clone(), transports: vec!["internal".into()] }];
        let (_, state) = start_authentication(&rp, &options, &mut rand_core::OsRng, NOW).expect("start authentication");
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
    let key = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(n), rsa::BigUint::from_bytes_be(e)).expect("RSA key");
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
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::OsRng);
    let none = registration(&mut soft, SoftAttestation::None);
    let packed = registration(&mut soft, SoftAttestation::PackedSelf);
    none.run();
    packed.run();

    let mut g = c.benchmark_group("registration");
    g.bench_function("none_from_json", |b| b.iter(|| none.run()));
    g.bench_function("packed_self_from_json", |b| b.iter(|| packed.run()));
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
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rand_core::OsRng);
    let none = registration(&mut soft, SoftAttestation::None);
    g.bench_function("registration_json", |b| {
        b.iter(|| RegistrationResponse::from_json(black_box(&none.json)).expect("registration JSON"));
    });
    g.finish();
}

criterion_group!(benches, es256, eddsa, rs256, registration_group, parse);

fn main() {
    allocations::report();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
