//! The trace of a ceremony, in a process of its own: the subscriber is the global default,
//! so no test running on another thread can cache a callsite's interest before it is set.

// Tests and their fixtures: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

// Shared with the api tests; this one uses a part of it.
#[allow(dead_code)]
#[path = "api/support.rs"]
mod support;

use axum::http::StatusCode;

use support::{app, authenticator, Browser};

/// The ceremonies are traced (spans with a correlation ID, outcome and category), and the
/// trace holds no username, challenge, credential ID or user handle.
#[test]
fn traces_carry_outcomes_and_no_secrets() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let secrets = runtime.block_on(async {
        let app = app();
        let mut browser = Browser::new(&app);
        let mut phone = authenticator();
        let start = browser.register_start(Some("carol-the-username")).await;
        let challenge = start.body["options"]["challenge"].as_str().unwrap().to_owned();
        let user_id = start.body["options"]["user"]["id"].as_str().unwrap().to_owned();
        phone.set_user_handle(&passkey_verifier::hazmat::b64::decode(&user_id).unwrap());
        let posted = phone.register(&support::challenge(&start.body), &support::knobs());
        let done = browser.post("/api/register/finish", &posted).await;
        let credential_id = done.body["credential_id"].as_str().unwrap().to_owned();
        browser.post("/api/logout", "{}").await;
        let refused = browser.post("/api/login/finish", &posted).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        vec!["carol-the-username".to_owned(), challenge, user_id, credential_id]
    });
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("correlation_id") && log.contains("outcome"), "{log}");
    assert!(log.contains("category"), "failures carry their category: {log}");
    for secret in secrets {
        assert!(!log.contains(&secret), "the trace leaks {secret}: {log}");
    }
}
