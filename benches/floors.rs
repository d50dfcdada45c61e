//! Each ceremony against the floors for the same work, in one interleaved run: the bare
//! primitive of RustCrypto (the crate's pure-Rust dependency: import the key, verify) and of
//! ring, whichever backend is built. The ratio to the built backend's primitive is what the
//! crate adds; the ratio to the other shows what choosing that backend costs. Whether the
//! pinned RustCrypto generation is itself the fastest pure-Rust floor is measured against
//! exact-version references and webauthn-rs in `benches/peers` (a package of its own).
//!
//! `cargo bench --bench floors` (add `--features ring` for the ring backend). Each round times
//! a batch of every contender, in an order that rotates from round to round; the table shows
//! the median time per operation and the median of the per-round ratios, which cancels most of
//! the drift of a shared machine, and the ratio of the fastest rounds, which load (only ever
//! adding time) disturbs least. `BENCH_ROUNDS` sets the number of rounds (default 31),
//! `BENCH_BATCH_MS` the length of a batch (default 10 ms; shorter batches and more rounds give
//! the fastest rounds more chances on a busy machine);
//! `-- --test` runs every contender once and checks it succeeds (the CI smoke run).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use passkey_verifier::testkit::pki::{p256_key, TestCa};
use passkey_verifier::testkit::{KeyKind, SoftAttestation, SoftCredential};
use support::{rng, AssertionFixture, RegistrationFixture, PACKED_SUBJECT, USER_HANDLE, VALIDITY};

/// One thing to time: returns whether it succeeded, so a broken fixture cannot look fast.
/// `prepare(n)` runs before each timed batch of `n` calls (an assertion's states).
struct Contender<'a> {
    name: &'static str,
    run: Box<dyn Fn() -> bool + 'a>,
    prepare: Box<dyn Fn(u32) + 'a>,
}

fn contender<'a>(name: &'static str, run: impl Fn() -> bool + 'a) -> Contender<'a> {
    Contender { name, run: Box::new(run), prepare: Box::new(|_| ()) }
}

/// The assertion of `f` from its JSON bytes, its states stocked before each batch.
fn assertion_ceremony(f: &AssertionFixture) -> Contender<'_> {
    Contender {
        name: "ceremony: assertion from JSON",
        run: Box::new(|| {
            black_box(f.run()); // panics unless it verifies
            true
        }),
        prepare: Box::new(|n| f.stock(n)),
    }
}

struct Config {
    rounds: usize,
    smoke: bool,
    batch: Duration,
}

/// Median per-operation time of each contender and median per-round ratio of the first
/// contender (the ceremony) to each, and the ratio of their fastest rounds.
struct Measured {
    names: Vec<&'static str>,
    median_us: Vec<f64>,
    /// `ratio[i][j]`: median over rounds of `time(i) / time(j)`.
    ratio: Vec<Vec<f64>>,
    /// `fastest[j]`: the fastest round of the ceremony over the fastest round of `j`. Load on a
    /// shared machine only ever adds time, so the fastest rounds are the least disturbed.
    fastest: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time_batch(c: &Contender<'_>, n: u32) -> f64 {
    (c.prepare)(n);
    let start = Instant::now();
    for _ in 0..n {
        black_box((c.run)());
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn measure(contenders: &[Contender<'_>], config: &Config) -> Measured {
    for c in contenders {
        assert!((c.run)(), "{} failed", c.name);
    }
    let names = contenders.iter().map(|c| c.name).collect();
    if config.smoke {
        return Measured { names, median_us: vec![0.0; contenders.len()], ratio: vec![], fastest: vec![] };
    }
    // Batch size: enough iterations of the slowest contender for one batch to last `batch`.
    let mut n = 1u32;
    while contenders.iter().map(|c| time_batch(c, n)).fold(0.0, f64::max) * f64::from(n)
        < config.batch.as_secs_f64() * 1e6
    {
        n *= 2;
    }
    let k = contenders.len();
    let mut times = vec![Vec::with_capacity(config.rounds); k];
    for round in 0..config.rounds {
        for offset in 0..k {
            let i = (round + offset) % k;
            times[i].push(time_batch(&contenders[i], n));
        }
    }
    let ratio = (0..k)
        .map(|i| (0..k).map(|j| median((0..config.rounds).map(|r| times[i][r] / times[j][r]).collect())).collect())
        .collect();
    let least: Vec<f64> = times.iter().map(|t| t.iter().copied().fold(f64::INFINITY, f64::min)).collect();
    let fastest = least.iter().map(|&t| least[0] / t).collect();
    Measured { names, median_us: times.into_iter().map(median).collect(), ratio, fastest }
}

fn report(operation: &str, m: &Measured) {
    if m.ratio.is_empty() {
        println!("{operation}: {} ok", m.names.join(", "));
        return;
    }
    println!("\n### {operation}\n");
    println!("| contender | median | ceremony / contender | fastest rounds |");
    println!("|---|---:|---:|---:|");
    for (j, name) in m.names.iter().enumerate() {
        println!("| {name} | {:.2} µs | {:.3}x | {:.3}x |", m.median_us[j], m.ratio[0][j], m.fastest[j]);
    }
}

fn es256(config: &Config) {
    let f = AssertionFixture::new(KeyKind::Es256);
    let point = f.sec1_point();
    let (message, signature) = (f.message.as_slice(), f.signature.as_slice());

    let contenders = [
        assertion_ceremony(&f),
        contender("p256 import+verify", || {
            use p256::ecdsa::signature::Verifier as _;
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(black_box(&point)).unwrap();
            let sig = p256::ecdsa::Signature::from_der(black_box(signature)).unwrap();
            key.verify(black_box(message), &sig).is_ok()
        }),
        contender("ring verify", || bare_ring(&ring::signature::ECDSA_P256_SHA256_ASN1, &point, message, signature)),
    ];
    report("ES256 assertion", &measure(&contenders, config));
}

fn bare_ring(alg: &'static dyn ring::signature::VerificationAlgorithm, key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(alg, black_box(key)).verify(black_box(message), black_box(sig)).is_ok()
}

fn eddsa(config: &Config) {
    let f = AssertionFixture::new(KeyKind::EdDsa);
    let key = f.ed25519_key();
    let (message, signature) = (f.message.as_slice(), f.signature.as_slice());

    let contenders = [
        assertion_ceremony(&f),
        contender("ed25519-dalek import+verify_strict", || {
            let key = ed25519_dalek::VerifyingKey::from_bytes(black_box(&key)).unwrap();
            let sig = ed25519_dalek::Signature::from_slice(black_box(signature)).unwrap();
            key.verify_strict(black_box(message), &sig).is_ok()
        }),
        contender("ring verify", || bare_ring(&ring::signature::ED25519, &key, message, signature)),
    ];
    report("EdDSA assertion", &measure(&contenders, config));
}

fn rs256(config: &Config) {
    let f = AssertionFixture::new(KeyKind::Rs256);
    let (n, e) = f.rsa_components();
    let (message, signature) = (f.message.as_slice(), f.signature.as_slice());
    let contenders = [
        assertion_ceremony(&f),
        contender("rsa import+verify", || {
            use sha2::Digest as _;
            let key = rsa::PublicKey::new(
                rsa::BoxedUint::from_be_slice_vartime(black_box(&n)),
                rsa::BoxedUint::from_be_slice_vartime(black_box(&e)),
            )
            .unwrap();
            let digest = sha2::Sha256::digest(black_box(message));
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, black_box(signature)).is_ok()
        }),
        contender("ring verify", || {
            ring::signature::RsaPublicKeyComponents { n: black_box(&n), e: black_box(&e) }
                .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, black_box(message), black_box(signature))
                .is_ok()
        }),
    ];
    report("RS256 (2048-bit) assertion", &measure(&contenders, config));
}

/// 'none' registration has no signature: its floor is importing and validating the P-256
/// credential key, which it must do once.
fn registration(config: &Config) {
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rng());
    let none = RegistrationFixture::new(&mut soft, SoftAttestation::None);
    let point = none.run().to_stored_credential().public_key;
    let cose = passkey_verifier::hazmat::cose::CoseKey::parse(&point).unwrap();
    let passkey_verifier::hazmat::cose::KeyParams::Ec2 { x, y, .. } = *cose.params() else { panic!("EC2 key") };
    let sec1 = [&[0x04][..], x, y].concat();
    let contenders = [
        contender("ceremony: 'none' registration from JSON", || {
            black_box(none.run()); // panics unless it verifies
            true
        }),
        contender("p256 key import", || p256::ecdsa::VerifyingKey::from_sec1_bytes(black_box(&sec1)).is_ok()),
    ];
    report("'none' registration", &measure(&contenders, config));
}

/// packed x5c = the statement signature and two certificate links (three ECDSA P-256
/// verifications); tpm = the certInfo signature and the same two links.
fn attestation(config: &Config) {
    let root = TestCa::root("Bench Root", VALIDITY);
    let ca = root.intermediate("Bench CA", VALIDITY);
    let key = p256_key(&mut rng());
    let leaf = ca.leaf(PACKED_SUBJECT, key.verifying_key(), VALIDITY, vec![], false);
    let mut soft = SoftCredential::new(KeyKind::Es256, USER_HANDLE, &mut rng());
    let packed =
        RegistrationFixture::new(&mut soft, SoftAttestation::Packed { key, x5c: vec![leaf, ca.cert_der().to_vec()] })
            .trusting(&root);
    let tpm = RegistrationFixture::new(&mut soft, SoftAttestation::tpm(ca.clone())).trusting(&root);

    let sk = p256_key(&mut rng());
    let point = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let message = vec![7u8; 200];
    let signature: p256::ecdsa::DerSignature = p256::ecdsa::signature::Signer::sign(&sk, &message);
    let signature = signature.as_bytes().to_vec();
    let three = || {
        use p256::ecdsa::signature::Verifier as _;
        (0..3).all(|_| {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(black_box(&point)).unwrap();
            let sig = p256::ecdsa::Signature::from_der(black_box(&signature)).unwrap();
            key.verify(black_box(&message), &sig).is_ok()
        })
    };
    let contenders = [
        contender("ceremony: packed x5c registration from JSON", || black_box(packed.run()).attestation().trusted()),
        contender("ceremony: tpm registration from JSON", || black_box(tpm.run()).attestation().trusted()),
        contender("three p256 import+verify", three),
    ];
    report("Attestation with a two-certificate chain", &measure(&contenders, config));
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let rounds = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(31);
    let batch_ms = std::env::var("BENCH_BATCH_MS").ok().and_then(|r| r.parse().ok()).unwrap_or(10);
    let config = Config { rounds, smoke, batch: Duration::from_millis(batch_ms) };
    if !smoke {
        let backend = if cfg!(feature = "ring") { "ring" } else { "RustCrypto (default)" };
        println!("## Ceremonies against their floors: backend {backend}, {rounds} interleaved rounds");
        println!("(ratio = median over rounds of ceremony time / contender time; fastest rounds = the");
        println!("ceremony's fastest round over the contender's)");
    }
    es256(&config);
    eddsa(&config);
    rs256(&config);
    registration(&config);
    attestation(&config);
}
