//! Known versus unknown accounts: 1,000 recovery initiations each over the SQL adapter
//! (SQLite in a temporary file; PostgreSQL too when `PASSKEY_TEST_POSTGRES_URL` is set),
//! interleaved, timing each call. The medians must lie within 10% of each other: an unknown
//! account costs the same store work (a decoy record) as a known one.
//!
//! `cargo bench -p passkey-recovery --bench enumeration`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use passkey_recovery::stepup::{ChannelFacts, EmailState};
use passkey_recovery::{
    Channel, Identifier, InitiateRequest, LookupKey, LookupSecret, NoAudit, RateLimitStore, Recovery, RecoveryPolicy,
    RecoveryStore, RequesterKey, SubjectId,
};
use passkey_store_sql::{PgStore, SqliteStore};
use passkey_verifier::{CredentialStore, RelyingParty, UnixTime};
use rand_core::UnwrapErr;

const N: usize = 1000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

async fn run<S>(name: &str, store: S) -> bool
where
    S: RecoveryStore + RateLimitStore + CredentialStore + Clone,
{
    let secret = LookupSecret::new([9u8; 32]).unwrap();
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let recovery =
        Recovery::new(rp, RecoveryPolicy::default(), secret.clone(), store.clone(), store.clone(), store, NoAudit)
            .unwrap();
    let channels = vec![
        ChannelFacts::Passkey { user_verifying: true },
        ChannelFacts::Email { state: EmailState::RecentlyRevalidated },
    ];
    let mut known = Vec::with_capacity(N);
    let mut unknown = Vec::with_capacity(N);
    let mut rng = UnwrapErr(SysRng);
    let now = UnixTime::from_secs(1_750_000_000);
    for i in 0..(2 * N + 100) {
        let is_known = i % 2 == 0;
        let lookup = LookupKey::derive(&secret, Identifier::Email(&format!("user{i}@example.com"))).unwrap();
        let requester = RequesterKey::derive(&secret, format!("198.51.{}.{}", i / 256, i % 256).as_bytes());
        let subject = is_known.then(|| SubjectId::new(format!("uh-{i}").into_bytes()));
        let request = InitiateRequest::new(lookup, requester, subject, Channel::Email, channels.clone());
        let started = Instant::now();
        recovery.initiate(&request, &mut rng, now).await.unwrap();
        let took = started.elapsed();
        // The first 100 warm the pool and the caches.
        if i >= 100 {
            if is_known {
                known.push(took)
            } else {
                unknown.push(took)
            }
        }
    }
    let (k, u) = (median(known), median(unknown));
    let ratio = k.as_secs_f64() / u.as_secs_f64();
    println!("{name}: {N} initiations each: median known {k:?}, unknown {u:?} (known/unknown {ratio:.3})");
    (0.9..=1.1).contains(&ratio)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("passkey-recovery-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqliteStore::open(dir.join("bench.db")).await.unwrap();
    sqlite.migrate().await.unwrap();
    let mut ok = run("sqlite", Arc::new(sqlite)).await;
    if let Ok(url) = std::env::var("PASSKEY_TEST_POSTGRES_URL") {
        let pg = PgStore::connect(&url).await.unwrap();
        pg.migrate().await.unwrap();
        ok &= run("postgres", Arc::new(pg)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok, "the medians differ by more than 10%");
}
