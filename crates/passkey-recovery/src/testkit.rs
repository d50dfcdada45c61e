//! A conformance kit for [`RecoveryStore`] and [`RateLimitStore`] implementations (feature
//! `testkit`; never in production builds).
//!
//! Like the core's kit (`passkey_verifier::testkit::store_conformance`, whose
//! [`StoreFactory`] it takes) it is `async` and runtime-free, and it has a multi-instance
//! part: two handles on one backing store racing to redeem one token, to spend one
//! challenge's attempts, to approve one onboarding, and 50 hits against a limit of 5 (exactly
//! 5 admitted), each race repeated [`MULTI_INSTANCE_ROUNDS`] times. A failure panics with a
//! message naming the property.
//!
//! ```
//! use passkey_recovery::testkit::run;
//! use passkey_recovery::{MemoryRateLimitStore, MemoryRecoveryStore};
//! use passkey_verifier::testkit::store_conformance::{block_on, shared};
//!
//! block_on(run(&shared(MemoryRecoveryStore::new), &shared(MemoryRateLimitStore::new)));
//! ```

// A test harness: a panic naming the property is how it reports a failure.
#![allow(clippy::panic)]

use passkey_verifier::audit::CorrelationId;
pub use passkey_verifier::testkit::store_conformance::{join_all, StoreFactory, MULTI_INSTANCE_ROUNDS};
use passkey_verifier::UnixTime;

use crate::{
    ApprovalDisplay, ApproveOutcome, AttemptOutcome, ChallengeRecord, Channel, ConsumeOutcome, Factor, GrantRecord,
    OnboardingRecord, PendingRecord, PendingState, PendingStore, RateKey, RateLimitStore, RecoveryStore, Redemption,
    Scope, SubjectId, TokenHash,
};

const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// Runs every check: recovery records from `records`, rate limits from `limits` (one
/// factory may serve both, as for the SQL and Redis stores).
pub async fn run<R, L>(records: &R, limits: &L)
where
    R: StoreFactory,
    R::Store: RecoveryStore + PendingStore,
    L: StoreFactory,
    L::Store: RateLimitStore,
{
    records_round_trip(&records.fresh().await).await;
    attempts_are_bounded(&records.fresh().await).await;
    redeeming_stores_the_grant_once(&records.fresh().await).await;
    grants_and_onboardings_are_single_use(&records.fresh().await).await;
    a_failed_grant_write_leaves_the_secret_unspent(&records.fresh().await).await;
    pending_recoveries_swap_cancel_and_redeem(&records.fresh().await).await;
    cooldowns_only_grow(&records.fresh().await).await;
    pending_swaps_race_across_handles(records).await;
    windows_count_per_key(&limits.fresh().await).await;
    redemptions_race_across_handles(records).await;
    attempts_race_across_handles(records).await;
    approvals_race_across_handles(records).await;
    rate_limits_race_across_handles(limits).await;
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("recovery store conformance: {what} failed with a store error: {e:?}"))
}

fn hash(tag: &str, n: usize) -> TokenHash {
    TokenHash::from_bytes(passkey_verifier::hazmat::crypto::sha256_concat(&[tag.as_bytes(), &n.to_be_bytes()]))
}

fn challenge(n: usize, attempts: u32) -> ChallengeRecord {
    ChallengeRecord {
        handle_hash: hash("challenge", n),
        secret_hash: hash("secret", n),
        subject: SubjectId::new(vec![0xa1, 0, 0xff]),
        correlation_id: CorrelationId::new(format!("corr-{n}")),
        channel: Channel::Rcs,
        redemption: Redemption::PasskeyRequired,
        scopes: vec![Scope::RegisterPasskey, Scope::RevokeOtherCredentials],
        attempts_left: attempts,
        expires_at: NOW.plus_secs(240),
        consumed: false,
    }
}

fn grant(tag: &str, n: usize) -> GrantRecord {
    GrantRecord {
        grant_hash: hash(tag, n),
        subject: SubjectId::new(vec![0xa1, 0, 0xff]),
        correlation_id: CorrelationId::new(format!("corr-{n}")),
        channel: Some(Channel::Email),
        scopes: vec![Scope::RegisterPasskey],
        expires_at: NOW.plus_secs(600),
        consumed: false,
    }
}

fn onboarding(n: usize) -> OnboardingRecord {
    OnboardingRecord {
        pairing_hash: hash("onboarding", n),
        device_secret_hash: hash("device", n),
        approval_challenge: hash("approval", n),
        display: ApprovalDisplay {
            device_name: "Pixel 9 \u{2014} \"Küche\"".into(),
            platform: "Android".into(),
            coarse_location: Some("Zürich, CH".into()),
            requested_at: NOW,
        },
        offered: n % 2 == 1,
        correlation_id: CorrelationId::new(format!("onboard-{n}")),
        claimed: Some(SubjectId::new(b"alice".to_vec())),
        approved_by: None,
        expires_at: NOW.plus_secs(120),
        consumed: false,
    }
}

async fn pair<F: StoreFactory>(factory: &F) -> (F::Store, F::Store) {
    let a = factory.fresh().await;
    let b = factory.second_handle(&a).await;
    (a, b)
}

/// Every record reads back as written; unknown hashes find nothing.
async fn records_round_trip<S: RecoveryStore>(store: &S) {
    ok(store.insert_challenge(challenge(1, 3)).await, "insert_challenge");
    assert_eq!(ok(store.find_challenge(&hash("challenge", 1)).await, "find"), Some(challenge(1, 3)), "challenge");
    let mut other = challenge(2, 0);
    other.redemption = Redemption::TokenAlone;
    other.channel = Channel::Push;
    other.scopes = Vec::new();
    ok(store.insert_challenge(other.clone()).await, "insert_challenge");
    assert_eq!(ok(store.find_challenge(&other.handle_hash).await, "find"), Some(other), "a sparse challenge");
    ok(store.insert_onboarding(onboarding(1)).await, "insert_onboarding");
    assert_eq!(ok(store.find_onboarding(&hash("onboarding", 1)).await, "find"), Some(onboarding(1)), "onboarding");
    let mut unclaimed = onboarding(2);
    unclaimed.claimed = None;
    unclaimed.display.coarse_location = None;
    ok(store.insert_onboarding(unclaimed.clone()).await, "insert_onboarding");
    assert_eq!(ok(store.find_onboarding(&unclaimed.pairing_hash).await, "find"), Some(unclaimed));
    assert_eq!(ok(store.find_challenge(&hash("nothing", 0)).await, "find"), None);
    assert_eq!(ok(store.find_grant(&hash("nothing", 0)).await, "find"), None);
    assert_eq!(ok(store.find_onboarding(&hash("nothing", 0)).await, "find"), None);
}

/// Attempts go down one at a time to zero and no further; a consumed challenge spends none.
async fn attempts_are_bounded<S: RecoveryStore>(store: &S) {
    ok(store.insert_challenge(challenge(1, 2)).await, "insert_challenge");
    let h = hash("challenge", 1);
    assert_eq!(ok(store.decrement_attempts(&h).await, "decrement"), AttemptOutcome::Decremented(1));
    assert_eq!(ok(store.decrement_attempts(&h).await, "decrement"), AttemptOutcome::Decremented(0));
    assert_eq!(ok(store.decrement_attempts(&h).await, "decrement"), AttemptOutcome::Unchanged, "never below zero");
    assert_eq!(ok(store.find_challenge(&h).await, "find").map(|c| c.attempts_left), Some(0));
    assert_eq!(
        ok(store.redeem_challenge(&h, grant("g", 1)).await, "redeem"),
        ConsumeOutcome::Unavailable,
        "an exhausted challenge cannot be redeemed"
    );
    assert_eq!(ok(store.find_grant(&hash("g", 1)).await, "find"), None, "no grant for an exhausted challenge");
    ok(store.insert_challenge(challenge(2, 5)).await, "insert_challenge");
    let h2 = hash("challenge", 2);
    assert_eq!(ok(store.redeem_challenge(&h2, grant("g", 2)).await, "redeem"), ConsumeOutcome::Consumed);
    assert_eq!(ok(store.decrement_attempts(&h2).await, "decrement"), AttemptOutcome::Unchanged, "consumed");
    assert_eq!(ok(store.decrement_attempts(&hash("nothing", 0)).await, "decrement"), AttemptOutcome::NotFound);
}

/// Redeeming consumes the challenge and stores its grant, once; a refused redemption stores
/// no grant.
async fn redeeming_stores_the_grant_once<S: RecoveryStore>(store: &S) {
    ok(store.insert_challenge(challenge(1, 3)).await, "insert_challenge");
    let h = hash("challenge", 1);
    assert_eq!(ok(store.redeem_challenge(&h, grant("first", 1)).await, "redeem"), ConsumeOutcome::Consumed);
    assert_eq!(ok(store.find_grant(&hash("first", 1)).await, "find"), Some(grant("first", 1)), "the grant is stored");
    let tombstone = ok(store.find_challenge(&h).await, "find");
    assert_eq!(tombstone.map(|c| c.consumed), Some(true), "the challenge stays as a tombstone");
    assert_eq!(
        ok(store.redeem_challenge(&h, grant("second", 1)).await, "redeem"),
        ConsumeOutcome::AlreadyConsumed,
        "a replay is told apart"
    );
    assert_eq!(ok(store.find_grant(&hash("second", 1)).await, "find"), None, "a replay stores no grant");
    assert_eq!(
        ok(store.redeem_challenge(&hash("nothing", 0), grant("third", 1)).await, "redeem"),
        ConsumeOutcome::NotFound
    );
    assert_eq!(ok(store.find_grant(&hash("third", 1)).await, "find"), None, "no grant for an unknown token");
}

/// Grants are consumed once; onboardings are approved once and consumed once, only when
/// approved.
async fn grants_and_onboardings_are_single_use<S: RecoveryStore>(store: &S) {
    ok(store.insert_challenge(challenge(1, 1)).await, "insert_challenge");
    ok(store.redeem_challenge(&hash("challenge", 1), grant("g", 1)).await, "redeem");
    let g = hash("g", 1);
    assert_eq!(ok(store.consume_grant(&g).await, "consume_grant"), ConsumeOutcome::Consumed);
    assert_eq!(ok(store.consume_grant(&g).await, "consume_grant"), ConsumeOutcome::AlreadyConsumed);
    assert_eq!(ok(store.find_grant(&g).await, "find").map(|r| r.consumed), Some(true));
    assert_eq!(ok(store.consume_grant(&hash("nothing", 0)).await, "consume_grant"), ConsumeOutcome::NotFound);

    ok(store.insert_onboarding(onboarding(1)).await, "insert_onboarding");
    let o = hash("onboarding", 1);
    assert_eq!(
        ok(store.redeem_onboarding(&o, grant("og", 0)).await, "redeem"),
        ConsumeOutcome::Unavailable,
        "not approved yet"
    );
    assert_eq!(ok(store.find_grant(&hash("og", 0)).await, "find"), None, "no grant before approval");
    let approver = SubjectId::new(b"alice".to_vec());
    assert_eq!(ok(store.approve_onboarding(&o, &approver).await, "approve"), ApproveOutcome::Approved);
    assert_eq!(
        ok(store.approve_onboarding(&o, &SubjectId::new(b"mallory".to_vec())).await, "approve"),
        ApproveOutcome::AlreadyApproved
    );
    assert_eq!(ok(store.find_onboarding(&o).await, "find").and_then(|r| r.approved_by), Some(approver));
    assert_eq!(ok(store.redeem_onboarding(&o, grant("og", 1)).await, "redeem"), ConsumeOutcome::Consumed);
    assert_eq!(ok(store.find_grant(&hash("og", 1)).await, "find"), Some(grant("og", 1)), "its grant is stored");
    assert_eq!(ok(store.redeem_onboarding(&o, grant("og", 2)).await, "redeem"), ConsumeOutcome::AlreadyConsumed);
    assert_eq!(ok(store.find_grant(&hash("og", 2)).await, "find"), None, "a replay stores no grant");
    assert_eq!(
        ok(store.approve_onboarding(&hash("nothing", 0), &SubjectId::new(vec![1])).await, "approve"),
        ApproveOutcome::NotFound
    );
    assert_eq!(
        ok(store.redeem_onboarding(&hash("nothing", 0), grant("og", 3)).await, "redeem"),
        ConsumeOutcome::NotFound
    );
}

/// Hits count per key and per window; a new window starts from one.
async fn windows_count_per_key<S: RateLimitStore>(store: &S) {
    let key = RateKey::identifier(b"alice");
    let at = UnixTime::from_secs(1_800_000_120);
    for expected in 1..=3 {
        let count = ok(store.hit(&key, 60, at).await, "hit");
        assert_eq!(count.count, expected, "recovery store conformance: counts within a window");
        assert_eq!(count.resets_at, UnixTime::from_secs(1_800_000_180), "the window's end");
    }
    assert_eq!(ok(store.hit(&key, 60, at.plus_secs(59)).await, "hit").count, 4, "same window");
    assert_eq!(ok(store.hit(&key, 60, at.plus_secs(60)).await, "hit").count, 1, "the next window starts from one");
    assert_eq!(ok(store.hit(&RateKey::requester(b"alice"), 60, at).await, "hit").count, 1, "another key");
    assert_eq!(ok(store.hit(&key, 3600, at).await, "hit").count, 1, "another window length");
    assert_eq!(
        ok(store.hit(&key, 60, at.plus_secs(61)).await, "hit").count,
        2,
        "recovery store conformance: a key counted in two window lengths keeps both counts"
    );
    assert_eq!(ok(store.hit(&key, 3600, at.plus_secs(62)).await, "hit").count, 2, "the long window kept counting");
}

/// One token redeemed through both handles at once: exactly one redemption, exactly one
/// grant stored (the winner's).
async fn redemptions_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: RecoveryStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS {
        ok(a.insert_challenge(challenge(round, 3)).await, "insert_challenge");
        let h = hash("challenge", round);
        let tags = ["ga", "gb", "gc", "gd"];
        let redeems = tags.iter().enumerate().map(|(i, tag)| {
            let store = if i % 2 == 0 { &a } else { &b };
            store.redeem_challenge(&h, grant(tag, round))
        });
        let outcomes: Vec<ConsumeOutcome> =
            join_all(redeems.collect()).await.into_iter().map(|r| ok(r, "redeem")).collect();
        let winners = outcomes.iter().filter(|o| **o == ConsumeOutcome::Consumed).count();
        assert_eq!(winners, 1, "recovery store conformance: round {round}: one redemption ({outcomes:?})");
        assert!(
            outcomes.iter().all(|o| matches!(o, ConsumeOutcome::Consumed | ConsumeOutcome::AlreadyConsumed)),
            "recovery store conformance: losers see a replay ({outcomes:?})"
        );
        for (tag, outcome) in tags.iter().zip(&outcomes) {
            let stored = ok(b.find_grant(&hash(tag, round)).await, "find_grant").is_some();
            assert_eq!(
                stored,
                *outcome == ConsumeOutcome::Consumed,
                "recovery store conformance: round {round}: a grant exists exactly for the winner"
            );
        }
    }
}

/// Twelve failed completions through both handles against five attempts: exactly five are
/// spent, each leaving a distinct count, and the count never goes below zero.
async fn attempts_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: RecoveryStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS / 4 {
        ok(b.insert_challenge(challenge(round, 5)).await, "insert_challenge");
        let h = hash("challenge", round);
        let decrements = (0..12).map(|i| if i % 2 == 0 { a.decrement_attempts(&h) } else { b.decrement_attempts(&h) });
        let mut left: Vec<u32> = join_all(decrements.collect())
            .await
            .into_iter()
            .filter_map(|r| match ok(r, "decrement") {
                AttemptOutcome::Decremented(n) => Some(n),
                AttemptOutcome::Unchanged => None,
                AttemptOutcome::NotFound => panic!("recovery store conformance: challenge lost"),
            })
            .collect();
        left.sort_unstable();
        assert_eq!(left, vec![0, 1, 2, 3, 4], "recovery store conformance: round {round}: five attempts, each once");
        assert_eq!(ok(a.find_challenge(&h).await, "find").map(|c| c.attempts_left), Some(0));
    }
}

/// One onboarding approved through both handles by two accounts: exactly one approval, and
/// the recorded approver is the winner.
async fn approvals_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: RecoveryStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS / 4 {
        ok(a.insert_onboarding(onboarding(round)).await, "insert_onboarding");
        let h = hash("onboarding", round);
        let alice = SubjectId::new(b"alice".to_vec());
        let mallory = SubjectId::new(b"mallory".to_vec());
        let outcomes = join_all(vec![a.approve_onboarding(&h, &alice), b.approve_onboarding(&h, &mallory)]).await;
        let outcomes: Vec<ApproveOutcome> = outcomes.into_iter().map(|r| ok(r, "approve")).collect();
        let winners: Vec<usize> =
            outcomes.iter().enumerate().filter(|(_, o)| **o == ApproveOutcome::Approved).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "recovery store conformance: round {round}: one approval");
        let expected = if winners == [0] { alice } else { mallory };
        assert_eq!(ok(b.find_onboarding(&h).await, "find").and_then(|o| o.approved_by), Some(expected));
    }
}

/// Fifty concurrent requests through both handles against a limit of 5: exactly 5 admitted,
/// and the counts are 1 to 50, each once.
async fn rate_limits_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: RateLimitStore,
{
    const LIMIT: u32 = 5;
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS {
        let key = RateKey::requester(format!("203.0.113.{round}").as_bytes());
        let hits = (0..50).map(|i| if i % 2 == 0 { a.hit(&key, 300, NOW) } else { b.hit(&key, 300, NOW) });
        let mut counts: Vec<u32> = join_all(hits.collect()).await.into_iter().map(|r| ok(r, "hit").count).collect();
        let admitted = counts.iter().filter(|c| **c <= LIMIT).count();
        assert_eq!(admitted, 5, "recovery store conformance: round {round}: 50 requests, limit 5, exactly 5 admitted");
        counts.sort_unstable();
        assert_eq!(counts, (1..=50).collect::<Vec<u32>>(), "recovery store conformance: every hit counted once");
    }
}

/// The injected failure between the two steps of a redemption: the grant's key exists, so
/// writing it fails. The challenge (and the onboarding) must stay unconsumed and redeemable
/// with a fresh grant: a failure never wastes the user's only token.
async fn a_failed_grant_write_leaves_the_secret_unspent<S: RecoveryStore + PendingStore>(store: &S) {
    ok(store.insert_challenge(challenge(1, 3)).await, "insert_challenge");
    ok(store.insert_challenge(challenge(2, 3)).await, "insert_challenge");
    ok(store.redeem_challenge(&hash("challenge", 1), grant("taken", 1)).await, "redeem");
    let h = hash("challenge", 2);
    assert!(
        store.redeem_challenge(&h, grant("taken", 1)).await.is_err(),
        "recovery store conformance: a grant that cannot be written fails the redemption"
    );
    let after = ok(store.find_challenge(&h).await, "find");
    assert_eq!(after.map(|c| c.consumed), Some(false), "recovery store conformance: the token is not consumed");
    assert_eq!(ok(store.redeem_challenge(&h, grant("fresh", 2)).await, "redeem"), ConsumeOutcome::Consumed);

    ok(store.insert_onboarding(onboarding(3)).await, "insert_onboarding");
    let o = hash("onboarding", 3);
    ok(store.approve_onboarding(&o, &SubjectId::new(b"alice".to_vec())).await, "approve");
    assert!(store.redeem_onboarding(&o, grant("taken", 1)).await.is_err(), "the onboarding's grant write fails");
    assert_eq!(ok(store.find_onboarding(&o).await, "find").map(|r| r.consumed), Some(false), "not consumed");
    assert_eq!(ok(store.redeem_onboarding(&o, grant("fresh", 3)).await, "redeem"), ConsumeOutcome::Consumed);

    ok(store.insert_pending(pending(9)).await, "insert_pending");
    let mut next = pending(9);
    next.state = PendingState::Redeemed;
    assert!(store.redeem_pending(next.clone(), 0, grant("taken", 1)).await.is_err(), "the pending grant write fails");
    assert_eq!(
        ok(store.find_pending(&hash("pending", 9)).await, "find").map(|r| r.state),
        Some(PendingState::Confirming)
    );
    assert!(ok(store.redeem_pending(next, 0, grant("fresh", 9)).await, "redeem_pending"));
}

fn pending(n: usize) -> PendingRecord {
    PendingRecord {
        handle_hash: hash("pending", n),
        cancel_hash: hash("cancel", n),
        subject: SubjectId::new(if n.is_multiple_of(2) { b"alice".to_vec() } else { b"bob".to_vec() }),
        correlation_id: CorrelationId::new(format!("pending-{n}")),
        factors: vec![
            Factor { channel: Channel::Rcs, secret_hash: hash("f1", n), confirmed: false },
            Factor { channel: Channel::Email, secret_hash: hash("f2", n), confirmed: true },
        ],
        attempts_left: 5,
        scopes: vec![Scope::RegisterPasskey, Scope::EndOtherSessions],
        state: PendingState::Confirming,
        created_at: NOW,
        confirm_by: NOW.plus_secs(1800),
        ready_at: None,
        expires_at: NOW.plus_secs(200_000),
        version: 0,
        cancelled: false,
    }
}

/// Pending recoveries read back, swap only at the expected version, redeem with their grant
/// once, and cancel by token or by subject (a cancelled record never swaps or redeems).
async fn pending_recoveries_swap_cancel_and_redeem<S: RecoveryStore + PendingStore>(store: &S) {
    for n in 0..4 {
        ok(store.insert_pending(pending(n)).await, "insert_pending");
    }
    assert_eq!(ok(store.find_pending(&hash("pending", 0)).await, "find"), Some(pending(0)), "pending record");
    assert_eq!(ok(store.find_pending(&hash("nothing", 0)).await, "find"), None);
    let mut next = pending(0);
    if let Some(first) = next.factors.first_mut() {
        first.confirmed = true;
    }
    next.state = PendingState::Waiting;
    next.ready_at = Some(NOW.plus_secs(86_400));
    next.version = 1;
    assert!(!ok(store.swap_pending(next.clone(), 7).await, "swap"), "a stale version does not swap");
    assert!(ok(store.swap_pending(next.clone(), 0).await, "swap"), "the expected version swaps");
    assert_eq!(ok(store.find_pending(&hash("pending", 0)).await, "find"), Some(next.clone()), "swapped, version 1");
    assert!(!ok(store.swap_pending(next.clone(), 0).await, "swap"), "the old version no longer swaps");
    let mut redeemed = next.clone();
    redeemed.state = PendingState::Redeemed;
    redeemed.version = 2;
    assert!(ok(store.redeem_pending(redeemed.clone(), 1, grant("pg", 0)).await, "redeem_pending"));
    assert!(ok(store.find_grant(&hash("pg", 0)).await, "find").is_some(), "the grant is stored");
    assert!(!ok(store.redeem_pending(redeemed, 1, grant("pg", 1)).await, "redeem_pending"), "once");
    assert_eq!(ok(store.find_grant(&hash("pg", 1)).await, "find"), None, "a replay stores no grant");

    assert!(ok(store.cancel_pending(&hash("cancel", 1)).await, "cancel"), "cancel by token");
    assert!(!ok(store.cancel_pending(&hash("cancel", 1)).await, "cancel"), "cancelled once");
    assert!(!ok(store.cancel_pending(&hash("nothing", 0)).await, "cancel"));
    let cancelled = ok(store.find_pending(&hash("pending", 1)).await, "find");
    assert_eq!(cancelled.map(|r| r.cancelled), Some(true));
    let mut late = pending(1);
    late.version = 1;
    assert!(!ok(store.swap_pending(late.clone(), 0).await, "swap"), "a cancelled record does not swap");
    assert!(!ok(store.redeem_pending(late, 0, grant("pg", 2)).await, "redeem"), "nor redeem");
    assert_eq!(ok(store.find_grant(&hash("pg", 2)).await, "find"), None);
    // Alice has 0 (redeemed, still counted) and 2; Bob has 1 (already cancelled) and 3.
    assert_eq!(ok(store.cancel_pending_for(&SubjectId::new(b"alice".to_vec())).await, "cancel_for"), 2);
    assert_eq!(ok(store.cancel_pending_for(&SubjectId::new(b"alice".to_vec())).await, "cancel_for"), 0);
    assert_eq!(ok(store.find_pending(&hash("pending", 3)).await, "find").map(|r| r.cancelled), Some(false));
}

/// A cool-down reads back and never shortens.
async fn cooldowns_only_grow<S: PendingStore>(store: &S) {
    let alice = SubjectId::new(b"alice".to_vec());
    assert_eq!(ok(store.cooldown_until(&alice).await, "cooldown"), None);
    ok(store.set_cooldown(&alice, NOW.plus_secs(100)).await, "set_cooldown");
    ok(store.set_cooldown(&alice, NOW.plus_secs(50)).await, "set_cooldown");
    assert_eq!(ok(store.cooldown_until(&alice).await, "cooldown"), Some(NOW.plus_secs(100)), "never shortened");
    ok(store.set_cooldown(&alice, NOW.plus_secs(200)).await, "set_cooldown");
    assert_eq!(ok(store.cooldown_until(&alice).await, "cooldown"), Some(NOW.plus_secs(200)));
    assert_eq!(ok(store.cooldown_until(&SubjectId::new(b"bob".to_vec())).await, "cooldown"), None);
}

/// Four swaps from one version through both handles: exactly one wins.
async fn pending_swaps_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: PendingStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS / 4 {
        ok(a.insert_pending(pending(100 + round)).await, "insert_pending");
        let swaps = (0..4).map(|i| {
            let mut next = pending(100 + round);
            next.attempts_left = u32::try_from(i).unwrap_or(0);
            next.version = 1;
            if i % 2 == 0 {
                a.swap_pending(next, 0)
            } else {
                b.swap_pending(next, 0)
            }
        });
        let won = join_all(swaps.collect()).await.into_iter().filter(|r| *r.as_ref().unwrap_or(&false)).count();
        assert_eq!(won, 1, "recovery store conformance: round {round}: one swap wins");
    }
}
