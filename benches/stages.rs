//! Where an assertion spends the time its bare signature check does not: each stage of
//! `verify_authentication` from the JSON bytes timed on its own, per algorithm, beside the
//! whole ceremony and the bare verification of the built backend (ring with `--features ring`,
//! otherwise RustCrypto import+verify), interleaved round by round. Then the same for a `none`
//! registration with an ES256 key (`none`), which has no signature to check.
//!
//! `cargo bench --bench stages [--features ring]`; `BENCH_ROUNDS` sets the rounds (default
//! 31); `-- --test` runs every stage once (the CI smoke run). The table gives the time per
//! operation of each stage in nanoseconds, in its fastest round (the least disturbed by other
//! work on a shared machine) and the median; "ceremony − bare" (fastest rounds) is the
//! overhead the stages should add up to. `STAGES_PROFILE=RS256` (or `RS256:1` for the bare
//! verification, `RS256:2` for the JSON, ...) with `STAGES_ITERS=100` runs one stage alone
//! for a profiler, e.g. `valgrind --tool=callgrind --toggle-collect='stages::profile'`, whose
//! instruction counts do not depend on the load of the machine; `STAGES_PROFILE=none` (or
//! `none:1`, ...) names the registration's stages.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use passkey_verifier::hazmat::attestation_object::AttestationObject;
use passkey_verifier::hazmat::auth_data::AuthenticatorData;
use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::hazmat::cose::CoseKey;
use passkey_verifier::hazmat::crypto::{self, Sha1};
use passkey_verifier::testkit::{KeyKind, SoftAttestation, SoftCredential};
use passkey_verifier::{verify_registration, AuthenticationResponse, RegistrationResponse};
use support::{AssertionFixture, RegistrationFixture};

/// `prepare(n)` runs before each timed batch of `n` calls (the ceremony's states).
struct Stage<'a> {
    name: &'static str,
    run: Box<dyn Fn() + 'a>,
    prepare: Box<dyn Fn(u32) + 'a>,
}

fn stage<'a>(name: &'static str, run: impl Fn() + 'a) -> Stage<'a> {
    Stage { name, run: Box::new(run), prepare: Box::new(|_| ()) }
}

/// Nanoseconds per call of `s`, over a batch of `n` calls.
fn time_batch(s: &Stage<'_>, n: u32) -> f64 {
    (s.prepare)(n);
    let start = Instant::now();
    for _ in 0..n {
        (s.run)();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(n)
}

/// Runs `s` for `iters` calls (or 5 s): kept out of line so that a profiler can select it
/// (`valgrind --tool=callgrind --toggle-collect='*profile*'`).
#[inline(never)]
fn profile(s: &Stage<'_>, iters: Option<u64>) {
    let start = Instant::now();
    let mut done = 0u64;
    while iters.map_or(start.elapsed() < Duration::from_secs(5), |n| done < n) {
        (s.run)();
        done += 1;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The bare verification of the built backend, as `benches/floors.rs` times it.
fn bare(f: &AssertionFixture, kind: KeyKind) -> Box<dyn Fn() + '_> {
    let (message, signature) = (f.message.as_slice(), f.signature.as_slice());
    if cfg!(feature = "ring") {
        use ring::signature as rs;
        match kind {
            KeyKind::Rs256 => {
                let (n, e) = f.rsa_components();
                Box::new(move || {
                    let ok = rs::RsaPublicKeyComponents { n: black_box(&n), e: black_box(&e) }
                        .verify(&rs::RSA_PKCS1_2048_8192_SHA256, black_box(message), black_box(signature))
                        .is_ok();
                    assert!(ok);
                })
            }
            KeyKind::EdDsa => {
                let key = f.ed25519_key();
                Box::new(move || {
                    let ok = rs::UnparsedPublicKey::new(&rs::ED25519, black_box(&key))
                        .verify(black_box(message), black_box(signature))
                        .is_ok();
                    assert!(ok);
                })
            }
            _ => {
                let point = f.sec1_point();
                Box::new(move || {
                    let ok = rs::UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_ASN1, black_box(&point))
                        .verify(black_box(message), black_box(signature))
                        .is_ok();
                    assert!(ok);
                })
            }
        }
    } else {
        // The crate's own verification of the same message: the ceremony's signature stage.
        let key = f.credential.public_key.clone();
        Box::new(move || {
            let key = CoseKey::parse(&key).unwrap();
            crypto::verify_signature(&key, &[black_box(message)], black_box(signature), Sha1::Refused).unwrap();
        })
    }
}

fn stages(kind: KeyKind, name: &str, rounds: usize, smoke: bool) {
    let f = AssertionFixture::new(kind);
    let key = f.credential.public_key.clone();
    let client_data_hash = crypto::sha256(&f.client_data_json);
    let all = [
        Stage {
            name: "ceremony: assertion from JSON",
            run: Box::new(|| {
                black_box(f.run());
            }),
            prepare: Box::new(|n| f.stock(n)),
        },
        stage("bare verification", bare(&f, kind)),
        stage("response JSON + base64 + drop", || {
            black_box(AuthenticationResponse::from_json(black_box(&f.json)).unwrap());
        }),
        stage("clientDataJSON parse", || {
            black_box(ClientData::parse(black_box(&f.client_data_json)).unwrap());
        }),
        stage("authenticator data parse", || {
            black_box(AuthenticatorData::parse(black_box(&f.authenticator_data)).unwrap());
        }),
        stage("SHA-256 of clientDataJSON", || {
            black_box(crypto::sha256(black_box(&f.client_data_json)));
        }),
        stage("COSE key parse", || {
            black_box(CoseKey::parse(black_box(&key)).unwrap());
        }),
        stage("crate verify (parts) − bare = ring path", || {
            let key = CoseKey::parse(&key).unwrap();
            crypto::verify_signature(
                &key,
                &[black_box(&f.authenticator_data), black_box(&client_data_hash)],
                black_box(&f.signature),
                Sha1::Refused,
            )
            .unwrap();
        }),
    ];
    let Some(times) = measure(name, &all, rounds, smoke) else { return };
    // Differences of the fastest rounds: on a shared machine the medians of these large
    // times move by more than the stages cost.
    let fastest: Vec<f64> = times.iter().map(|t| t.iter().copied().fold(f64::INFINITY, f64::min)).collect();
    let overhead = fastest[0] - fastest[1];
    let path = fastest[7] - fastest[1] - fastest[6];
    println!(
        "\n### {name}: JSON {} B, clientDataJSON {} B, authenticatorData {} B, signature {} B, COSE key {} B\n",
        f.json.len(),
        f.client_data_json.len(),
        f.authenticator_data.len(),
        f.signature.len(),
        key.len()
    );
    print_table(&all, times);
    println!("| **ceremony − bare** (fastest rounds) | **{overhead:.0}** | |");
    println!("| verify(parts) − bare − COSE parse (fastest rounds) | {path:.0} | |");
}

/// Runs the stage `STAGES_PROFILE` names alone (for a profiler), or each stage once (`smoke`),
/// and then answers `None`; otherwise the times of each stage in `rounds` interleaved rounds.
fn measure(name: &str, all: &[Stage<'_>], rounds: usize, smoke: bool) -> Option<Vec<Vec<f64>>> {
    if let Ok(profiled) = std::env::var("STAGES_PROFILE") {
        // One stage alone (`ES256` is the ceremony, `ES256:1` the bare verification, ...), for
        // a profiler: `STAGES_ITERS` calls, or as many as fit in 5 s.
        let (alg, index) = profiled.split_once(':').unwrap_or((&profiled, "0"));
        if alg == name {
            let iters = std::env::var("STAGES_ITERS").ok().and_then(|n| n.parse().ok());
            let profiled = &all[index.parse::<usize>().unwrap()];
            (profiled.prepare)(iters.and_then(|n| u32::try_from(n).ok()).unwrap_or(0));
            profile(profiled, iters);
        }
        return None;
    }
    if smoke {
        for s in all {
            (s.prepare)(1);
            (s.run)();
        }
        println!("{name} stages: ok");
        return None;
    }
    // Per stage, enough calls for a batch of about 5 ms.
    let batch = Duration::from_millis(5).as_secs_f64() * 1e9;
    let sizes: Vec<u32> = all
        .iter()
        .map(|s| {
            let mut n = 1u32;
            while time_batch(s, n) * f64::from(n) < batch {
                n *= 2;
            }
            n
        })
        .collect();
    let k = all.len();
    let mut times = vec![Vec::with_capacity(rounds); k];
    for round in 0..rounds {
        for offset in 0..k {
            let i = (round + offset) % k;
            times[i].push(time_batch(&all[i], sizes[i]));
        }
    }
    Some(times)
}

fn print_table(all: &[Stage<'_>], times: Vec<Vec<f64>>) {
    println!("| stage | fastest round, ns | median, ns |");
    println!("|---|---:|---:|");
    for (s, t) in all.iter().zip(times) {
        let fastest = t.iter().copied().fold(f64::INFINITY, f64::min);
        println!("| {} | {fastest:.0} | {:.0} |", s.name, median(t));
    }
}

/// The stages of a `none` registration with an ES256 key (`STAGES_PROFILE=none:<row>`).
fn registration_stages(rounds: usize, smoke: bool) {
    let mut soft = SoftCredential::new(KeyKind::Es256, b"bench-user", &mut support::rng());
    let f = RegistrationFixture::new(&mut soft, SoftAttestation::None);
    let response = RegistrationResponse::from_json(&f.json).unwrap();
    let object = AttestationObject::parse(response.attestation_object()).unwrap();
    let key = object.auth_data().attested_credential_data().unwrap().public_key().to_vec();
    let states = RefCell::new(Vec::new());
    let all = [
        Stage {
            name: "ceremony: `none` registration from JSON",
            run: Box::new(|| {
                let response = RegistrationResponse::from_json(black_box(&f.json)).unwrap();
                let state = states.borrow_mut().pop().unwrap();
                black_box(verify_registration(&f.rp, state, response, support::NOW).unwrap());
            }),
            prepare: Box::new(|n| states.borrow_mut().extend((0..n).map(|_| f.state.clone()))),
        },
        stage("response JSON + base64 + drop", || {
            black_box(RegistrationResponse::from_json(black_box(&f.json)).unwrap());
        }),
        stage("clientDataJSON parse", || {
            black_box(ClientData::parse(black_box(response.client_data_json())).unwrap());
        }),
        stage("SHA-256 of clientDataJSON", || {
            black_box(crypto::sha256(black_box(response.client_data_json())));
        }),
        stage("attestation object parse", || {
            black_box(AttestationObject::parse(black_box(response.attestation_object())).unwrap());
        }),
        stage("COSE key parse + validate", || {
            crypto::validate_key(&CoseKey::parse(black_box(&key)).unwrap()).unwrap();
        }),
    ];
    let Some(times) = measure("none", &all, rounds, smoke) else { return };
    println!(
        "\n### `none` registration (ES256): JSON {} B, attestation object {} B\n",
        f.json.len(),
        response.attestation_object().len()
    );
    print_table(&all, times);
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let rounds = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(31);
    if !smoke {
        let backend = if cfg!(feature = "ring") { "ring" } else { "RustCrypto (default)" };
        println!("## Assertion stages: backend {backend}, {rounds} interleaved rounds");
    }
    stages(KeyKind::Es256, "ES256", rounds, smoke);
    stages(KeyKind::EdDsa, "EdDSA", rounds, smoke);
    stages(KeyKind::Rs256, "RS256", rounds, smoke);
    registration_stages(rounds, smoke);
}
