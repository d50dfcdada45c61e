//! Runs every case of the shared ceremony vectors and checks each verdict, category included.
//!
//! The folder is `$PASSKEY_VECTORS` when set, else `../shared/vectors` beside the crate. When
//! neither exists the test says so and passes, unless `PASSKEY_VECTORS_REQUIRED=1` (CI sets
//! it), which makes a missing folder a failure.

use std::path::{Path, PathBuf};

use passkey_verifier::testkit::vectors::{compare, run_case, Agreement, Case, VectorFile};
use passkey_verifier::ErrorKind;

mod runner;

fn vectors_dir() -> PathBuf {
    std::env::var_os("PASSKEY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

fn required() -> bool {
    std::env::var_os("PASSKEY_VECTORS_REQUIRED").is_some_and(|v| !v.is_empty() && v != "0")
}

fn load(dir: &Path) -> Vec<(String, Case)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("vector folder {} unreadable ({e}); set PASSKEY_VECTORS", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json vector files in {}", dir.display());
    let mut cases = Vec::new();
    for path in files {
        let file: VectorFile = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        cases.extend(file.cases.into_iter().map(|c| (stem.clone(), c)));
    }
    cases
}

/// Cases whose verdict contradicts another case, each with the failure this crate reports
/// instead. The test still requires exactly that failure.
///
/// `go_webauthn: reg/none-webauthn-io-rawid-not-attested-credential-id` expects a `rawId` that
/// is not the credential ID in authenticator data to fail with `credential`; the two cases
/// below present the same mismatch and expect success. A browser derives `rawId` from the
/// attested credential data, so a mismatch only arises from a tampered or hand-assembled
/// response: `reg/apple/anonymous` was captured by calling only go-webauthn's format verifier
/// and wrapped into a ceremony afterwards (see its `note`), and webauthn-rs's
/// `reg/google_android_key` fixture pairs its attestation with another credential's `rawId`
/// (webauthn-rs does not compare them; go-webauthn does). This crate refuses the mismatch.
const KNOWN_CONFLICTS: &[(&str, &str, ErrorKind)] = &[
    ("go_webauthn", "reg/apple/anonymous", ErrorKind::CredentialId),
    ("webauthn_rs", "reg/google_android_key", ErrorKind::CredentialId),
];

#[test]
fn every_vector_agrees_with_its_verdict() {
    let dir = vectors_dir();
    if !dir.is_dir() {
        assert!(!required(), "PASSKEY_VECTORS_REQUIRED is set but {} is not a folder", dir.display());
        println!(
            "vectors: SKIPPED, no folder at {}; set PASSKEY_VECTORS to a folder of vector files \
             (PASSKEY_VECTORS_REQUIRED=1 makes this a failure)",
            dir.display()
        );
        return;
    }
    let cases = load(&dir);
    let (mut agreed, mut conflicts) = (0, 0);
    let mut failures = Vec::new();
    for (file, case) in &cases {
        let outcome = run_case(case);
        let label = format!("{file}: {}", case.name);
        match compare(case, &outcome) {
            Agreement::Agrees => agreed += 1,
            Agreement::CategoryDiffers { expected } => {
                failures.push(format!("{label}: expected {expected}, got {:?} ({:?})", outcome.error, outcome.detail));
            }
            Agreement::NoVerdict => failures.push(format!("{label}: a shared vector without `expect`")),
            Agreement::Disagrees(why) => {
                let conflict = KNOWN_CONFLICTS.iter().find(|(f, n, _)| f == file && *n == case.name);
                if let Some((_, _, kind)) = conflict {
                    assert_eq!(outcome.error, Some(kind.category().as_str()), "{label}: {why}");
                    conflicts += 1;
                } else {
                    failures.push(format!("{label}: {why}"));
                }
            }
        }
    }
    println!("vectors: {} cases, {agreed} agree, {conflicts} known conflicts", cases.len());
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(conflicts, KNOWN_CONFLICTS.len(), "a known conflict now agrees: remove it from the list");
}

/// The plain-JSON scanners against serde_json on every captured ceremony: the scanner of the
/// response and that of its `clientDataJSON` read each the same as serde_json, or decline.
#[test]
fn the_scanners_read_every_captured_ceremony_as_serde_json_does() {
    use passkey_verifier::testkit::fast_paths::{self, Scanned};
    use passkey_verifier::{AuthenticationResponse, RegistrationResponse};
    let dir = vectors_dir();
    if !dir.is_dir() {
        assert!(!required(), "PASSKEY_VECTORS_REQUIRED is set but {} is not a folder", dir.display());
        println!("vectors: SKIPPED, no folder at {}; set PASSKEY_VECTORS", dir.display());
        return;
    }
    // (read whole, total) of sign-ins and of registrations.
    let mut counts = [(0, 0); 2];
    for (file, case) in load(&dir).iter() {
        let json = serde_json::to_vec(&case.response).unwrap();
        let registration = case.ceremony == "registration";
        let (verdict, client_data_json) = if registration {
            (
                fast_paths::registration(&json),
                RegistrationResponse::from_json(&json).map(|r| r.client_data_json().to_vec()),
            )
        } else {
            (
                fast_paths::assertion(&json),
                AuthenticationResponse::from_json(&json).map(|r| r.client_data_json().to_vec()),
            )
        };
        assert_ne!(verdict, Scanned::Disagrees, "{file}: {}", case.name);
        let count = &mut counts[usize::from(registration)];
        if let Ok(client_data_json) = client_data_json {
            let client_data = fast_paths::client_data(&client_data_json);
            assert_ne!(client_data, Scanned::Disagrees, "{file}: {} clientDataJSON", case.name);
            count.0 += usize::from(verdict == Scanned::Agrees && client_data == Scanned::Agrees);
        }
        count.1 += 1;
    }
    let [(signed_in, sign_ins), (registered, registrations)] = counts;
    println!("vectors: the scanners read {signed_in} of {sign_ins} sign-ins and {registered} of {registrations} registrations whole");
    assert!(signed_in > 0 && registered > 0);
}
