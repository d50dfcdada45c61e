//! The reference passkey server: `passkey-axum`'s endpoints, a page a person can use, and
//! nothing else.
//!
//! ```text
//! cargo run --release --example server      # then open http://localhost:8080
//! ```
//!
//! Configuration (environment): `PORT` (8080), `RP_ID` (`localhost`), `ORIGIN`
//! (`http://localhost:PORT`), `SESSION_KEY` (base64url of at least 64 random bytes, the same on
//! every instance; random per start when unset, so sessions end with the process).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::response::Html;
use axum::routing::get;
use passkey_axum::{MemoryAccounts, PasskeyApi, PasskeyConfig};
use passkey_verifier::hazmat::b64;
use passkey_verifier::{Ceremonies, MemoryStore, RelyingParty};
use rand_core::{Rng as _, UnwrapErr};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn session_key() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    if let Some(text) = env("SESSION_KEY") {
        let key = b64::decode(&text)?;
        return if key.len() >= 64 { Ok(key) } else { Err("SESSION_KEY must hold at least 64 bytes".into()) };
    }
    eprintln!("SESSION_KEY is not set: sessions end when this process does and are not shared between instances");
    let mut key = vec![0u8; 64];
    UnwrapErr(getrandom::SysRng).fill_bytes(&mut key);
    Ok(key)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env("PORT").map_or(Ok(8080), |p| p.parse())?;
    let rp_id = env("RP_ID").unwrap_or_else(|| "localhost".into());
    let origin = env("ORIGIN").unwrap_or_else(|| format!("http://localhost:{port}"));
    let rp = RelyingParty::builder(rp_id).name("Passkeys").origin(origin.clone()).build()?;

    let store = Arc::new(MemoryStore::new());
    let ceremonies = Ceremonies::new(rp, Arc::clone(&store), store, UnwrapErr(getrandom::SysRng));
    let mut config = PasskeyConfig::default();
    // Browsers keep `Secure` cookies from http://localhost; other plain-HTTP hosts get none.
    config.secure_cookies = origin.starts_with("https://") || origin.starts_with("http://localhost");
    let api = PasskeyApi::new(ceremonies, MemoryAccounts::new(), &session_key()?, config);

    let app = api
        .router()
        .route("/", get(|| async { Html(include_str!("index.html")) }))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("passkey server on {origin}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
