//! The reference passkey server: `passkey-axum`'s endpoints, a page a person can use, and
//! nothing else.
//!
//! ```text
//! cargo run --release --example server      # then open http://localhost:8080
//! ```
//!
//! Configuration (environment): `PORT` (8080), `RP_ID` (`localhost`), `ORIGIN`
//! (`http://localhost:PORT`), `SESSION_KEY` (base64url of at least 64 random bytes, the same on
//! every instance; random per start when unset, so sessions end with the process),
//! `DATABASE_URL` (`sqlite://passkeys.db?mode=rwc`; or `postgres://...`: credentials, and
//! ceremony state unless `REDIS_URL` is set), `REDIS_URL` (ceremony state in Redis),
//! `LOOKUP_SECRET` (base64url of at least 32 random bytes, the same on every instance: keys the
//! recovery lookups and pseudonyms; random per start when unset), `RECOVERY_OUTBOX` (the folder
//! recovery messages are written to, standing in for an email gateway; `recovery-outbox`).
//! Expired SQL state is purged every five minutes by a background task.

mod outbox;

use std::net::SocketAddr;

use axum::response::Html;
use axum::routing::get;
use passkey_axum::{Accounts, PasskeyApi, PasskeyConfig, RecoveryConfig, RecoveryRoutes};
use passkey_recovery::{LookupSecret, PendingStore, RateLimitStore, Recovery, RecoveryPolicy, RecoveryStore};
use passkey_store_redis::RedisStore;
use passkey_store_sql::{PgStore, SqliteStore};
use passkey_verifier::hazmat::b64;
use passkey_verifier::{Ceremonies, ChallengeStore, CredentialStore, RelyingParty, UnixTime};
use rand_core::{Rng as _, UnwrapErr};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A secret key from `name` (base64url, at least `len` bytes), or a random one for this
/// process only.
fn secret_key(name: &str, len: usize, unset: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    if let Some(text) = env(name) {
        let key = b64::decode(&text)?;
        return if key.len() >= len { Ok(key) } else { Err(format!("{name} must hold at least {len} bytes").into()) };
    }
    eprintln!("{name} is not set: {unset}");
    let mut key = vec![0u8; len];
    UnwrapErr(getrandom::SysRng).fill_bytes(&mut key);
    Ok(key)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The ceremonies' spans and events (outcome, category, correlation ID; never a secret).
    tracing_subscriber::fmt().with_max_level(tracing_subscriber::filter::LevelFilter::INFO).init();
    let port: u16 = env("PORT").map_or(Ok(8080), |p| p.parse())?;
    let rp_id = env("RP_ID").unwrap_or_else(|| "localhost".into());
    let origin = env("ORIGIN").unwrap_or_else(|| format!("http://localhost:{port}"));
    let rp = RelyingParty::builder(rp_id).name("Passkeys").origin(origin.clone()).build()?;

    let database_url = env("DATABASE_URL").unwrap_or_else(|| "sqlite://passkeys.db?mode=rwc".into());
    let redis = match env("REDIS_URL") {
        Some(url) => Some(RedisStore::connect(&url).await?),
        None => None,
    };
    if database_url.starts_with("postgres") {
        let store = PgStore::connect(&database_url).await?;
        store.migrate().await?;
        let purger = store.clone();
        spawn_purge(move || {
            let store = purger.clone();
            async move { store.purge_expired(UnixTime::now()).await.map(|_| ()) }
        });
        match redis {
            Some(states) => serve(rp, &origin, port, states, store.clone(), store).await,
            None => serve(rp, &origin, port, store.clone(), store.clone(), store).await,
        }
    } else {
        let options: sqlx::sqlite::SqliteConnectOptions = database_url.parse()?;
        let store = SqliteStore::connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal), 8).await?;
        store.migrate().await?;
        let purger = store.clone();
        spawn_purge(move || {
            let store = purger.clone();
            async move { store.purge_expired(UnixTime::now()).await.map(|_| ()) }
        });
        match redis {
            Some(states) => serve(rp, &origin, port, states, store.clone(), store).await,
            None => serve(rp, &origin, port, store.clone(), store.clone(), store).await,
        }
    }
}

/// Runs `purge` every five minutes: SQL keeps expired ceremony state until it is deleted.
fn spawn_purge<F, Fut>(purge: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), passkey_store_sql::SqlError>> + Send,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            every.tick().await;
            if let Err(e) = purge().await {
                eprintln!("purging expired state failed: {e}");
            }
        }
    });
}

/// Serves the API over the stores; the accounts, recoveries and their rate limits live in the
/// SQL database beside the credentials.
async fn serve<C, K, A>(
    rp: RelyingParty,
    origin: &str,
    port: u16,
    challenges: C,
    credentials: K,
    accounts: A,
) -> Result<(), Box<dyn std::error::Error>>
where
    C: ChallengeStore + 'static,
    K: CredentialStore + 'static,
    A: Accounts + RecoveryStore + PendingStore + RateLimitStore + CredentialStore + Clone,
{
    let lookup = LookupSecret::new(secret_key("LOOKUP_SECRET", 32, "recovery lookups differ between instances")?)?;
    let recovery = Recovery::new(
        rp.clone(),
        RecoveryPolicy::default(),
        lookup,
        accounts.clone(),
        accounts.clone(),
        accounts.clone(),
        outbox::LogAudit,
    )?;
    let ceremonies = Ceremonies::new(rp, challenges, credentials, UnwrapErr(getrandom::SysRng));
    let mut config = PasskeyConfig::default();
    // Browsers keep `Secure` cookies from http://localhost; other plain-HTTP hosts get none.
    config.secure_cookies = origin.starts_with("https://") || origin.starts_with("http://localhost");
    let session_key =
        secret_key("SESSION_KEY", 64, "sessions end with this process and are not shared between instances")?;
    let api = PasskeyApi::new(ceremonies, accounts, &session_key, config);
    let outbox = outbox::Outbox { dir: env("RECOVERY_OUTBOX").unwrap_or_else(|| "recovery-outbox".into()).into() };
    let recovery = RecoveryRoutes::new(&api, recovery, outbox, RecoveryConfig::new(format!("{origin}/")));

    let app = api
        .router()
        .merge(recovery.router())
        .route("/", get(|| async { Html(include_str!("index.html")) }))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("passkey server on {origin}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
