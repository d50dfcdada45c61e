//! The multi-instance part: two independent handles on one backing store, as two server
//! processes behind a load balancer hold them, racing each other. Every race asserts at most
//! one winner (exactly one where one must win).

use std::sync::Arc;

use super::single::{auth_state, ceremonies, knobs, ok, random_id, record, register, request_challenge, update};
use super::{join_all, StoreFactory, MULTI_INSTANCE_ROUNDS};
use crate::store::{ChallengeStore, CredentialStore, InsertOutcome, StateId, UpdateOutcome};
use crate::{ErrorKind, SignInChoices, SignInTarget};

/// Two handles on one fresh store.
async fn pair<F: StoreFactory>(factory: &F) -> (F::Store, F::Store) {
    let a = factory.fresh().await;
    let b = factory.second_handle(&a).await;
    (a, b)
}

/// What one handle writes, the other reads, takes and deletes.
pub(super) async fn handles_share_states<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: ChallengeStore,
{
    let (a, b) = pair(factory).await;
    let id = random_id();
    ok(a.insert(&id, auth_state(3)).await, "insert");
    assert_eq!(ok(b.take(&id).await, "take"), Some(auth_state(3)), "store conformance: the other handle takes it");
    assert_eq!(ok(a.take(&id).await, "take"), None, "store conformance: taken through the other handle");
}

/// Credentials written through one handle are seen, listed, updated and deleted through the
/// other.
pub(super) async fn handles_share_credentials<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: CredentialStore,
{
    let (a, b) = pair(factory).await;
    ok(a.insert_new(record(b"shared", b"alice", 4)).await, "insert_new");
    assert_eq!(ok(b.get(b"shared").await, "get"), Some(record(b"shared", b"alice", 4)), "store conformance: shared");
    assert_eq!(ok(b.list_for_user(b"alice").await, "list").len(), 1, "store conformance: listed by the other handle");
    assert_eq!(ok(b.update_after_sign_in(b"shared", update(4, 5)).await, "update"), UpdateOutcome::Updated);
    assert_eq!(
        ok(a.update_after_sign_in(b"shared", update(4, 5)).await, "update"),
        UpdateOutcome::Conflict,
        "store conformance: the other handle's update is seen"
    );
    assert!(ok(b.delete(b"shared").await, "delete"));
    assert_eq!(ok(a.get(b"shared").await, "get"), None, "store conformance: deleted through the other handle");
}

/// One state, taken concurrently through both handles: exactly one take gets it.
pub(super) async fn takes_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: ChallengeStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS {
        let id = random_id();
        let writer = if round % 2 == 0 { &a } else { &b };
        ok(writer.insert(&id, auth_state(7)).await, "insert");
        let takes = (0..6).map(|i| if i % 2 == 0 { a.take(&id) } else { b.take(&id) });
        let mut winners = 0;
        for result in join_all(takes.collect()).await {
            if let Some(state) = ok(result, "take") {
                assert_eq!(state, auth_state(7), "store conformance: the state taken is the one stored");
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "store conformance: round {round}: one state taken once across two handles");
    }
}

/// One credential ID registered for two users through the two handles at once: exactly one
/// owner, and the stored record is the winner's.
pub(super) async fn registrations_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: CredentialStore,
{
    let (a, b) = pair(factory).await;
    for round in 0..MULTI_INSTANCE_ROUNDS {
        let id = format!("contested-{round}").into_bytes();
        let owners: [&[u8]; 4] = [b"alice", b"mallory", b"alice", b"mallory"];
        let inserts = owners.iter().enumerate().map(|(i, owner)| {
            if i % 2 == 0 {
                a.insert_new(record(&id, owner, 0))
            } else {
                b.insert_new(record(&id, owner, 0))
            }
        });
        let outcomes: Vec<InsertOutcome> =
            join_all(inserts.collect()).await.into_iter().map(|r| ok(r, "insert_new")).collect();
        let winners: Vec<usize> =
            outcomes.iter().enumerate().filter(|(_, o)| **o == InsertOutcome::Inserted).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "store conformance: round {round}: one credential ID, one owner ({outcomes:?})");
        let stored = ok(a.get(&id).await, "get").unwrap_or_else(|| panic!("store conformance: winner not stored"));
        let winner = winners.first().and_then(|i| owners.get(*i)).copied().unwrap_or_default();
        assert_eq!(stored.user_handle(), winner, "store conformance: round {round}: the stored owner is the winner");
        assert_eq!(
            ok(b.list_for_user(if winner == b"alice" { b"mallory" } else { b"alice" }).await, "list")
                .iter()
                .filter(|r| r.id() == id.as_slice())
                .count(),
            0,
            "store conformance: the loser owns nothing"
        );
    }
}

/// Sign-ins presenting the same counter through both handles: exactly one update applies,
/// a stale one never does, and the count never goes down.
pub(super) async fn counter_updates_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: CredentialStore,
{
    let (a, b) = pair(factory).await;
    ok(a.insert_new(record(b"cas", b"alice", 0)).await, "insert_new");
    let mut last = 0u32;
    for round in 0..u32::try_from(MULTI_INSTANCE_ROUNDS).unwrap_or(200) {
        // Four honest-looking racers with the current count, and an attacker replaying an
        // older count (it must lose even when it runs first).
        let mut updates = vec![
            a.update_after_sign_in(b"cas", update(round, round + 1)),
            b.update_after_sign_in(b"cas", update(round, round + 1)),
            a.update_after_sign_in(b"cas", update(round, round + 1)),
            b.update_after_sign_in(b"cas", update(round, round + 1)),
        ];
        if round > 0 {
            updates.insert(0, b.update_after_sign_in(b"cas", update(round - 1, round + 5)));
        }
        let outcomes: Vec<UpdateOutcome> = join_all(updates).await.into_iter().map(|r| ok(r, "update")).collect();
        let winners = outcomes.iter().filter(|o| **o == UpdateOutcome::Updated).count();
        assert_eq!(winners, 1, "store conformance: round {round}: one CAS winner across two handles ({outcomes:?})");
        if round > 0 {
            assert_eq!(outcomes.first(), Some(&UpdateOutcome::Conflict), "store conformance: a stale count loses");
        }
        let count = ok(b.get(b"cas").await, "get").map(|r| r.credential.sign_count).unwrap_or_default();
        assert!(count > last || round == 0, "store conformance: the count never goes down");
        assert_eq!(count, round + 1, "store conformance: round {round}: count after the race");
        last = count;
    }
}

/// Full ceremonies on two server instances over one store: one sign-in state finished from
/// both (exactly one succeeds), and a cloned authenticator presenting one counter to both
/// (exactly one succeeds).
pub(super) async fn sign_ins_race_across_handles<F>(factory: &F)
where
    F: StoreFactory,
    F::Store: ChallengeStore + CredentialStore,
{
    let (a, b) = pair(factory).await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let server_a = ceremonies(Arc::clone(&a), Arc::clone(&a));
    let server_b = ceremonies(Arc::clone(&b), Arc::clone(&b));
    let mut cred = register(&server_a, b"alice").await;
    for round in 0..10 {
        let issuer = if round % 2 == 0 { &server_a } else { &server_b };
        let (id, options) =
            ok(issuer.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await, "start");
        let json = cred.assert(&request_challenge(&options), &knobs());
        let finishes = (0..4).map(|i| {
            let server = if i % 2 == 0 { &server_a } else { &server_b };
            server.finish_authentication(&id, json.as_bytes())
        });
        let results = join_all(finishes.collect()).await;
        let mut winners = 0;
        for result in results {
            match result {
                Ok(_) => winners += 1,
                Err(e) => assert_eq!(e.kind(), Some(ErrorKind::StateNotFound), "store conformance: replayed state"),
            }
        }
        assert_eq!(winners, 1, "store conformance: round {round}: one state finished once by two servers");

        let next = cred.sign_count() + 1;
        let mut attempts: Vec<(usize, StateId, String)> = Vec::new();
        for i in 0..4 {
            let server = if i % 2 == 0 { &server_a } else { &server_b };
            let (id, options) =
                ok(server.start_authentication(SignInTarget::User(b"alice"), &SignInChoices::default()).await, "start");
            let mut k = knobs();
            k.sign_count = Some(next);
            attempts.push((i, id, cred.assert(&request_challenge(&options), &k)));
        }
        let finishes = attempts.iter().map(|(i, id, json)| {
            // Each state is finished by the other server than the one that issued it.
            let server = if i % 2 == 0 { &server_b } else { &server_a };
            server.finish_authentication(id, json.as_bytes())
        });
        let mut winners = 0;
        for result in join_all(finishes.collect()).await {
            match result {
                Ok(_) => winners += 1,
                Err(e) => assert!(
                    matches!(e.kind(), Some(ErrorKind::Counter | ErrorKind::CounterConflict)),
                    "store conformance: a losing clone must fail on the counter, got {e:?}"
                ),
            }
        }
        assert_eq!(winners, 1, "store conformance: round {round}: one sign-in per counter value across two servers");
        let stored = ok(b.get(cred.id()).await, "get").map(|r| r.credential.sign_count);
        assert_eq!(stored, Some(next), "store conformance: the count after the race is the presented one");
    }
}
