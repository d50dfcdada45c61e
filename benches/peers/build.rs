//! Records, for the report, the compiler that builds the program and the versions Cargo.lock
//! pins for the crates compared.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=RUSTC");
    // The passkey-verifier tree measured: its commit, and whether its sources differ from it.
    println!("cargo:rerun-if-changed=../../src");
    println!("cargo:rerun-if-changed=../../Cargo.toml");
    println!("cargo:rerun-if-changed=../../.git/HEAD");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(["-C", "../.."])
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
    };
    let tree = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => {
            let dirty =
                git(&["status", "--porcelain", "--", "src", "Cargo.toml"]).is_some_and(|s| !s.trim().is_empty());
            format!("{}{}", rev.trim(), if dirty { " + uncommitted changes in src/ or Cargo.toml" } else { "" })
        }
        None => "unknown commit".to_owned(),
    };
    println!("cargo:rustc-env=PEERS_PV_TREE={tree}");

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
    println!("cargo:rustc-env=PEERS_RUSTC_VERSION={version}");

    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (name, var) in [
        ("passkey-verifier", "PEERS_V_PASSKEY_VERIFIER"),
        ("webauthn-rs", "PEERS_V_WEBAUTHN_RS"),
        ("webauthn-rs-core", "PEERS_V_WEBAUTHN_RS_CORE"),
        ("crypto-glue", "PEERS_V_CRYPTO_GLUE"),
        ("p256", "PEERS_V_P256"),
        ("serde_json", "PEERS_V_SERDE_JSON"),
    ] {
        println!("cargo:rustc-env={var}={}", locked_versions(&lock, name));
    }
}

/// The versions of `name` in a Cargo.lock, comma-separated ("?" when absent).
fn locked_versions(lock: &str, name: &str) -> String {
    let wanted = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = ")) {
                versions.push(v.trim_matches('"').to_owned());
            }
        }
    }
    if versions.is_empty() {
        "?".to_owned()
    } else {
        versions.join(", ")
    }
}
