//! Heap allocations per verification, counted with an instrumented global allocator. The
//! budgets: at most 2 allocations for an ES256 assertion verified from its JSON bytes, at most
//! 4 for a 'none' registration.

// Tests and their fixtures: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::System;

use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    verify_authentication, verify_registration, AuthenticationResponse, AuthenticationState, Challenge, CoseAlgorithm,
    RegistrationResponse, RegistrationState, RelyingParty, UnixTime, UserVerification,
};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

/// Serializes the tests: the counter is process-wide and tests run on parallel threads.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How often [`allocations`] runs its closure.
const RUNS: usize = 11;

/// Allocations made by one run of `f`: the least over several runs after a warm-up, since the
/// counter is process-wide and the test harness's own threads may allocate meanwhile.
fn allocations(mut f: impl FnMut()) -> usize {
    f();
    (1..RUNS)
        .map(|_| {
            let region = Region::new(GLOBAL);
            f();
            let change = region.change();
            change.allocations + change.reallocations
        })
        .min()
        .unwrap_or(usize::MAX)
}

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap()
}

#[test]
fn es256_assertion_from_json_allocates_at_most_twice() {
    let _serial = serial();
    let rp = rp();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"user", &mut rand_core::UnwrapErr(getrandom::SysRng));
    let challenge = Challenge::from_bytes(vec![9u8; 32]).unwrap();
    let knobs = Knobs::new("example.com", "https://example.com");
    let json = cred.assert(challenge.as_bytes(), &knobs);
    let stored =
        passkey_verifier::StoredCredential::new(cred.id().to_vec(), cred.cose_public_key(), 0, b"user".to_vec());
    let state = AuthenticationState::new(
        challenge,
        Some(b"user".to_vec()),
        UserVerification::Preferred,
        vec![],
        NOW.plus_secs(60),
    )
    .unwrap();
    // The state is consumed by each verification: one copy per run, made before counting.
    let mut states: Vec<_> = (0..RUNS).map(|_| state.clone()).collect();
    let count = allocations(|| {
        let response = AuthenticationResponse::from_json(json.as_bytes()).unwrap();
        let verified = verify_authentication(&rp, states.pop().unwrap(), response, &stored, NOW).unwrap();
        std::hint::black_box(verified);
    });
    println!("allocations per ES256 assertion (parse + verify): {count}");
    assert!(count <= 2, "ES256 assertion made {count} allocations, budget 2");
}

#[test]
fn none_registration_allocates_at_most_twice() {
    let _serial = serial();
    let rp = rp();
    let mut cred = SoftCredential::new(KeyKind::Es256, b"user", &mut rand_core::UnwrapErr(getrandom::SysRng));
    let challenge = Challenge::from_bytes(vec![5u8; 32]).unwrap();
    let json = cred.register(challenge.as_bytes(), &Knobs::new("example.com", "https://example.com"));
    let state = RegistrationState::new(
        challenge,
        b"user".to_vec(),
        UserVerification::Preferred,
        CoseAlgorithm::DEFAULT.to_vec(),
        NOW.plus_secs(60),
    )
    .unwrap();
    // The state is consumed by each verification: one copy per run, made before counting.
    let mut states: Vec<_> = (0..RUNS).map(|_| state.clone()).collect();
    let count = allocations(|| {
        let response = RegistrationResponse::from_json(json.as_bytes()).unwrap();
        std::hint::black_box(verify_registration(&rp, states.pop().unwrap(), response, NOW).unwrap());
    });
    println!("allocations per none registration (parse + verify): {count}");
    // The response's one buffer and its transports' ranges; the outcome keeps the response and
    // takes the state's user handle (the budget is 4).
    assert!(count <= 2, "none registration made {count} allocations, budget 2");
}
