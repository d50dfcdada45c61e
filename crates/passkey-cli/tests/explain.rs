//! `passkey explain` on a response captured with the software authenticator: the failing
//! check is named, the ones before it passed and the ones after it were not reached.

// Tests: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};

fn case_file(origin: &str) -> std::path::PathBuf {
    let challenge = [9u8; 32];
    let mut cred = SoftCredential::new(KeyKind::Es256, b"owner", &mut rand_core::UnwrapErr(getrandom::SysRng));
    let response: serde_json::Value =
        serde_json::from_str(&cred.register(&challenge, &Knobs::new("example.com", origin))).unwrap();
    let case = serde_json::json!({
        "name": "mine", "ceremony": "registration", "rp_id": "example.com",
        "origins": ["https://example.com"], "challenge": b64::encode(&challenge),
        "user_verification": "preferred", "response": response,
    });
    let path = std::env::temp_dir().join(format!("passkey-explain-{}-{}.json", std::process::id(), origin.len()));
    std::fs::write(&path, case.to_string()).unwrap();
    path
}

fn explain(path: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passkey")).arg("explain").arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_wrong_origin_is_named_and_later_checks_are_not_reached() {
    let text = explain(&case_file("https://evil.example"));
    let lines: Vec<&str> = text.lines().collect();
    let failed = lines.iter().position(|l| l.contains("FAIL")).expect("a failed check");
    assert!(lines[failed].contains("origin"), "{text}");
    assert!(lines[1..failed].iter().all(|l| l.trim_start().starts_with("ok")), "{text}");
    assert!(
        lines[failed + 1..].iter().take_while(|l| l.starts_with("  ")).all(|l| l.contains("not reached")),
        "{text}"
    );
    assert!(text.contains("verdict: refused (origin)"), "{text}");
}

#[test]
fn an_honest_response_passes_every_check() {
    let text = explain(&case_file("https://example.com"));
    assert!(!text.contains("FAIL") && !text.contains("not reached"), "{text}");
    assert!(text.contains("verdict: verified"), "{text}");
}

#[test]
fn misuse_is_refused_with_usage() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passkey")).arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
