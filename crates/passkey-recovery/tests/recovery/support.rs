//! Fixtures of the recovery tests: a relying party with ceremonies and recovery over shared
//! in-memory stores, a failing store, and leak checks.

use std::sync::Arc;

use getrandom::SysRng;
use passkey_recovery::Channel;
use passkey_recovery::{
    ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, InitiateRequest, MemoryAuditSink,
    MemoryRateLimitStore, MemoryRecoveryStore, OnboardingRecord, Recovery, RecoveryPolicy, RecoveryStore,
    RecoveryToken, SubjectId, TokenHash,
};
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, MemoryStore, RegistrationChoices, RegistrationDetails, RelyingParty, UnixTime, User,
};
use rand_core::UnwrapErr;

pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
/// Alice's user handle (opaque bytes, as the relying party assigned them).
pub const ALICE: &[u8] = b"uh-alice-5c1e9b";
/// Bob's user handle.
pub const BOB: &[u8] = b"uh-bob-77d02a";

pub type TestRecovery<S> = Recovery<S, MemoryRateLimitStore, Arc<MemoryStore>, Arc<MemoryAuditSink>>;

/// A relying party's recovery setup: ceremonies and recovery share the credential store.
pub struct Env {
    pub ceremonies: Ceremonies<Arc<MemoryStore>, Arc<MemoryStore>>,
    pub recovery: TestRecovery<Arc<MemoryRecoveryStore>>,
    pub credentials: Arc<MemoryStore>,
    pub store: Arc<MemoryRecoveryStore>,
    pub audit: Arc<MemoryAuditSink>,
}

pub fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap()
}

pub fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

pub fn env() -> Env {
    env_with(RecoveryPolicy::default())
}

pub fn env_with(policy: RecoveryPolicy) -> Env {
    let credentials = Arc::new(MemoryStore::new());
    let store = Arc::new(MemoryRecoveryStore::new());
    let audit = Arc::new(MemoryAuditSink::new());
    let ceremonies = Ceremonies::new(rp(), Arc::clone(&credentials), Arc::clone(&credentials), UnwrapErr(SysRng))
        .with_clock(ManualClock::new(NOW));
    let recovery = Recovery::new(
        rp(),
        policy,
        Arc::clone(&store),
        MemoryRateLimitStore::new(),
        Arc::clone(&credentials),
        Arc::clone(&audit),
    )
    .unwrap();
    Env { ceremonies, recovery, credentials, store, audit }
}

impl Env {
    /// Registers a new passkey for `handle` through the ceremonies.
    pub fn register(&self, handle: &[u8], nickname: &str) -> SoftCredential {
        let user = User { id: handle.to_vec(), name: "user".into(), display_name: "User".into() };
        let (state, options) =
            block_on(self.ceremonies.start_registration(&user, &RegistrationChoices::default())).unwrap();
        let mut credential = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(SysRng));
        let json = credential.register(&challenge_of(&options), &knobs());
        block_on(self.ceremonies.finish_registration(
            &state,
            json.as_bytes(),
            &RegistrationDetails::nickname(nickname),
        ))
        .unwrap();
        credential
    }

    /// Initiates a recovery of `handle` over `channel` and returns the delivered token.
    pub fn initiate(&self, handle: &[u8], channel: Channel) -> RecoveryToken {
        let request = InitiateRequest::new(Some(SubjectId::new(handle)), channel);
        let initiated = block_on(self.recovery.initiate(&request, &mut UnwrapErr(SysRng), NOW)).unwrap();
        token_from_link(&initiated.payload.render_link("https://example.com/recover"))
    }

    /// The attempts left on `token`.
    pub fn attempts_left(&self, token: &RecoveryToken) -> u32 {
        block_on(self.store.find_challenge(&token.hash())).unwrap().unwrap().attempts_left
    }
}

/// The challenge of creation or request options, decoded.
pub fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

/// What the client does with a delivered link: parse the token from its fragment.
pub fn token_from_link(link: &str) -> RecoveryToken {
    RecoveryToken::parse(link.split_once("#t=").unwrap().1).unwrap()
}

/// Asserts that `text` shows none of `identifiers` in any usual rendering: raw, base64url,
/// hex, or as a `Debug` byte list.
pub fn assert_no_leak(text: &str, identifiers: &[&[u8]]) {
    for id in identifiers {
        let list = format!("{id:?}");
        let renderings = [
            String::from_utf8_lossy(id).into_owned(),
            b64::encode(id),
            id.iter().map(|b| format!("{b:02x}")).collect(),
            list.trim_matches(|c| c == '[' || c == ']').to_owned(),
        ];
        for rendering in renderings {
            assert!(!text.contains(&rendering), "identifier rendered as {rendering:?} appears in {text:?}");
        }
    }
}

/// A recovery store whose every operation fails.
pub struct FailingStore;

#[derive(Debug, thiserror::Error)]
#[error("database unavailable")]
pub struct Unavailable;

impl RecoveryStore for FailingStore {
    type Error = Unavailable;

    async fn insert_challenge(&self, _: ChallengeRecord) -> Result<(), Unavailable> {
        Err(Unavailable)
    }
    async fn find_challenge(&self, _: &TokenHash) -> Result<Option<ChallengeRecord>, Unavailable> {
        Err(Unavailable)
    }
    async fn decrement_attempts(&self, _: &TokenHash) -> Result<AttemptOutcome, Unavailable> {
        Err(Unavailable)
    }
    async fn redeem_challenge(&self, _: &TokenHash, _: GrantRecord) -> Result<ConsumeOutcome, Unavailable> {
        Err(Unavailable)
    }
    async fn find_grant(&self, _: &TokenHash) -> Result<Option<GrantRecord>, Unavailable> {
        Err(Unavailable)
    }
    async fn consume_grant(&self, _: &TokenHash) -> Result<ConsumeOutcome, Unavailable> {
        Err(Unavailable)
    }
    async fn insert_onboarding(&self, _: OnboardingRecord) -> Result<(), Unavailable> {
        Err(Unavailable)
    }
    async fn find_onboarding(&self, _: &TokenHash) -> Result<Option<OnboardingRecord>, Unavailable> {
        Err(Unavailable)
    }
    async fn approve_onboarding(&self, _: &TokenHash, _: &SubjectId) -> Result<ApproveOutcome, Unavailable> {
        Err(Unavailable)
    }
    async fn consume_onboarding(&self, _: &TokenHash) -> Result<ConsumeOutcome, Unavailable> {
        Err(Unavailable)
    }
}

/// Recovery over a store that always fails.
pub fn failing_env() -> TestRecovery<FailingStore> {
    Recovery::new(
        rp(),
        RecoveryPolicy::default(),
        FailingStore,
        MemoryRateLimitStore::new(),
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryAuditSink::new()),
    )
    .unwrap()
}
