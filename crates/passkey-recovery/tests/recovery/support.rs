//! Fixtures of the recovery tests: a relying party with ceremonies and recovery over shared
//! in-memory stores, keys, channel facts, a counting store wrapper, a session hook and leak
//! checks.

use std::sync::{Arc, Mutex};

use getrandom::SysRng;
use passkey_recovery::stepup::{ChannelFacts, EmailState};
use passkey_recovery::{
    ApprovalDisplay, ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, Identifier,
    LookupKey, LookupSecret, MemoryAuditSink, MemoryRateLimitStore, MemoryRecoveryStore, OnboardingRecord,
    PendingRecord, PendingStore, RateKey, RateLimitStore, Recovery, RecoveryPolicy, RecoveryStore, RequesterKey,
    SessionHook, SubjectId, TokenHash, WindowCount,
};
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Ceremonies, MemoryStore, RegistrationChoices, RegistrationDetails, RelyingParty, UnixTime, User,
};
use rand_core::UnwrapErr;

pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
pub const ALICE: &[u8] = b"uh-alice-5c1e9b";
pub const BOB: &[u8] = b"uh-bob-77d02a";
pub const BASE: &str = "https://example.com/recover";

pub type TestRecovery<S, L = MemoryRateLimitStore> = Recovery<S, L, Arc<MemoryStore>, Arc<MemoryAuditSink>>;

pub struct Env {
    pub ceremonies: Ceremonies<Arc<MemoryStore>, Arc<MemoryStore>>,
    pub recovery: TestRecovery<Arc<MemoryRecoveryStore>>,
    pub credentials: Arc<MemoryStore>,
    pub store: Arc<MemoryRecoveryStore>,
    pub audit: Arc<MemoryAuditSink>,
}

pub fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

pub fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap()
}

pub fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

pub fn secret() -> LookupSecret {
    LookupSecret::new(*b"host-lookup-secret-32-bytes-long").unwrap()
}

pub fn lookup(email: &str) -> LookupKey {
    LookupKey::derive(&secret(), Identifier::Email(email)).unwrap()
}

pub fn requester(ip: &str) -> RequesterKey {
    RequesterKey::derive(&secret(), ip.as_bytes())
}

pub const fn rcs_e2ee() -> ChannelFacts {
    ChannelFacts::Rcs { e2ee_confirmed: true, recent_number_port: false, recent_sim_change: false }
}

pub const fn email_recent() -> ChannelFacts {
    ChannelFacts::Email { state: EmailState::RecentlyRevalidated }
}

pub const fn passkey() -> ChannelFacts {
    ChannelFacts::Passkey { user_verifying: true }
}

pub fn display(name: &str, location: &str) -> ApprovalDisplay {
    ApprovalDisplay {
        device_name: name.into(),
        platform: "Android".into(),
        coarse_location: Some(location.into()),
        requested_at: NOW,
    }
}

pub fn env() -> Env {
    env_with(RecoveryPolicy::default())
}

pub fn env_with(policy: RecoveryPolicy) -> Env {
    let credentials = Arc::new(MemoryStore::new());
    let store = Arc::new(MemoryRecoveryStore::new());
    let audit = Arc::new(MemoryAuditSink::new());
    let ceremonies = Ceremonies::new(rp(), Arc::clone(&credentials), Arc::clone(&credentials), rng())
        .with_clock(ManualClock::new(NOW));
    let recovery = Recovery::new(
        rp(),
        policy,
        secret(),
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
        let mut credential = SoftCredential::new(KeyKind::Es256, handle, &mut rng());
        let json = credential.register(&challenge_of(&options), &knobs());
        block_on(self.ceremonies.finish_registration(
            &state,
            json.as_bytes(),
            &RegistrationDetails::nickname(nickname),
        ))
        .unwrap();
        credential
    }
}

/// The challenge of creation or request options, decoded.
pub fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

/// Asserts that `text` shows none of `identifiers` raw, as base64url, hex or a byte list.
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

/// A session store hook that counts what it ended.
#[derive(Default)]
pub struct Sessions(pub Mutex<Vec<SubjectId>>);

#[derive(Debug, thiserror::Error)]
#[error("session store unavailable")]
pub struct SessionsDown;

impl SessionHook for Sessions {
    type Error = SessionsDown;
    async fn end_other_sessions(&self, subject: &SubjectId) -> Result<u64, SessionsDown> {
        self.0.lock().unwrap().push(subject.clone());
        Ok(3)
    }
}

/// Wraps the stores and records the name of every operation, in order (never its data).
pub struct Counting<T> {
    pub inner: T,
    pub ops: Arc<Mutex<Vec<&'static str>>>,
}

impl<T> Counting<T> {
    fn note(&self, op: &'static str) {
        self.ops.lock().unwrap().push(op);
    }
}

impl<T: RecoveryStore> RecoveryStore for Counting<T> {
    type Error = T::Error;
    async fn insert_challenge(&self, r: ChallengeRecord) -> Result<(), T::Error> {
        self.note("insert_challenge");
        self.inner.insert_challenge(r).await
    }
    async fn find_challenge(&self, h: &TokenHash) -> Result<Option<ChallengeRecord>, T::Error> {
        self.note("find_challenge");
        self.inner.find_challenge(h).await
    }
    async fn decrement_attempts(&self, h: &TokenHash) -> Result<AttemptOutcome, T::Error> {
        self.note("decrement_attempts");
        self.inner.decrement_attempts(h).await
    }
    async fn redeem_challenge(&self, h: &TokenHash, g: GrantRecord) -> Result<ConsumeOutcome, T::Error> {
        self.note("redeem_challenge");
        self.inner.redeem_challenge(h, g).await
    }
    async fn find_grant(&self, h: &TokenHash) -> Result<Option<GrantRecord>, T::Error> {
        self.note("find_grant");
        self.inner.find_grant(h).await
    }
    async fn consume_grant(&self, h: &TokenHash) -> Result<ConsumeOutcome, T::Error> {
        self.note("consume_grant");
        self.inner.consume_grant(h).await
    }
    async fn insert_onboarding(&self, r: OnboardingRecord) -> Result<(), T::Error> {
        self.note("insert_onboarding");
        self.inner.insert_onboarding(r).await
    }
    async fn find_onboarding(&self, h: &TokenHash) -> Result<Option<OnboardingRecord>, T::Error> {
        self.note("find_onboarding");
        self.inner.find_onboarding(h).await
    }
    async fn approve_onboarding(&self, h: &TokenHash, s: &SubjectId) -> Result<ApproveOutcome, T::Error> {
        self.note("approve_onboarding");
        self.inner.approve_onboarding(h, s).await
    }
    async fn redeem_onboarding(&self, h: &TokenHash, g: GrantRecord) -> Result<ConsumeOutcome, T::Error> {
        self.note("redeem_onboarding");
        self.inner.redeem_onboarding(h, g).await
    }
}

impl<T: PendingStore> PendingStore for Counting<T> {
    type Error = T::Error;
    async fn insert_pending(&self, r: PendingRecord) -> Result<(), T::Error> {
        self.note("insert_pending");
        self.inner.insert_pending(r).await
    }
    async fn find_pending(&self, h: &TokenHash) -> Result<Option<PendingRecord>, T::Error> {
        self.note("find_pending");
        self.inner.find_pending(h).await
    }
    async fn swap_pending(&self, r: PendingRecord, e: u64) -> Result<bool, T::Error> {
        self.note("swap_pending");
        self.inner.swap_pending(r, e).await
    }
    async fn redeem_pending(&self, r: PendingRecord, e: u64, g: GrantRecord) -> Result<bool, T::Error> {
        self.note("redeem_pending");
        self.inner.redeem_pending(r, e, g).await
    }
    async fn cancel_pending(&self, h: &TokenHash) -> Result<bool, T::Error> {
        self.note("cancel_pending");
        self.inner.cancel_pending(h).await
    }
    async fn cancel_pending_for(&self, s: &SubjectId) -> Result<u64, T::Error> {
        self.note("cancel_pending_for");
        self.inner.cancel_pending_for(s).await
    }
    async fn set_cooldown(&self, s: &SubjectId, u: UnixTime) -> Result<(), T::Error> {
        self.note("set_cooldown");
        self.inner.set_cooldown(s, u).await
    }
    async fn cooldown_until(&self, s: &SubjectId) -> Result<Option<UnixTime>, T::Error> {
        self.note("cooldown_until");
        self.inner.cooldown_until(s).await
    }
}

impl<T: RateLimitStore> RateLimitStore for Counting<T> {
    type Error = T::Error;
    async fn hit(&self, k: &RateKey, w: u64, n: UnixTime) -> Result<WindowCount, T::Error> {
        self.note("hit");
        self.inner.hit(k, w, n).await
    }
}

/// The shared log of store operations.
pub type OpLog = Arc<Mutex<Vec<&'static str>>>;
/// Recovery over counting wrappers.
pub type CountingRecovery = TestRecovery<Counting<MemoryRecoveryStore>, Counting<MemoryRateLimitStore>>;

/// Recovery over counting wrappers of fresh memory stores, sharing one log.
pub fn counting_env(credentials: Arc<MemoryStore>) -> (CountingRecovery, OpLog) {
    let ops = Arc::new(Mutex::new(Vec::new()));
    let recovery = Recovery::new(
        rp(),
        RecoveryPolicy::default(),
        secret(),
        Counting { inner: MemoryRecoveryStore::new(), ops: Arc::clone(&ops) },
        Counting { inner: MemoryRateLimitStore::new(), ops: Arc::clone(&ops) },
        credentials,
        Arc::new(MemoryAuditSink::new()),
    )
    .unwrap();
    (recovery, ops)
}
