//! The checks of §7.1 and §7.2 in the order `passkey-verifier` runs them, and which failure
//! belongs to which check: from the one failure a verification reports, every check before it
//! passed and every check after it was not reached.

use passkey_verifier::{ErrorKind, Input};

/// A check as the operator reads it.
pub struct Step {
    /// The specification's step number(s), or `-` for the crate's own bookkeeping.
    pub spec: &'static str,
    /// What is checked.
    pub what: &'static str,
    /// Whether a failure of this kind is this check's.
    pub owns: fn(ErrorKind) -> bool,
}

const fn step(spec: &'static str, what: &'static str, owns: fn(ErrorKind) -> bool) -> Step {
    Step { spec, what, owns }
}

fn response_json(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Malformed(Input::CredentialJson | Input::Base64))
}

fn config(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Config)
}

/// §7.1, registration.
pub const REGISTRATION: &[Step] = &[
    step("-", "the case's relying party and state are valid", config),
    step("-", "the response JSON parses (id is base64url of rawId, type public-key)", response_json),
    step("-", "the ceremony state has not expired", |k| matches!(k, ErrorKind::CeremonyExpired)),
    step("6", "clientDataJSON parses", |k| matches!(k, ErrorKind::Malformed(Input::ClientData))),
    step("7", "clientDataJSON.type is webauthn.create", |k| matches!(k, ErrorKind::ClientDataType)),
    step("8", "clientDataJSON.challenge is the issued challenge", |k| matches!(k, ErrorKind::Challenge)),
    step("9", "clientDataJSON.origin is a configured origin", |k| matches!(k, ErrorKind::Origin)),
    step("10", "topOrigin / crossOrigin allowed", |k| matches!(k, ErrorKind::TopOrigin)),
    step(
        "12, 16-17",
        "the attestation object and authenticator data parse (flags consistent, no trailing bytes)",
        |k| matches!(k, ErrorKind::Malformed(Input::AttestationObject | Input::AuthenticatorData)),
    ),
    step("13", "rpIdHash is SHA-256 of the RP ID", |k| matches!(k, ErrorKind::RpIdHash)),
    step("14", "UP is set (unless a conditional create)", |k| matches!(k, ErrorKind::UserPresence)),
    step("15", "UV is set when required", |k| matches!(k, ErrorKind::UserVerification)),
    step("18", "extension outputs match the request", |k| matches!(k, ErrorKind::Extension(_))),
    step("19", "the credential key parses, its algorithm is offered and allowed, the key is valid", |k| {
        matches!(k, ErrorKind::Malformed(Input::CoseKey) | ErrorKind::AlgorithmNotAllowed | ErrorKind::UnsupportedKey)
    }),
    step("21-24", "the attestation statement verifies and its trust is decided", |k| {
        matches!(k, ErrorKind::Attestation(_) | ErrorKind::Malformed(Input::Certificate | Input::Signature))
    }),
    step("25", "the credential ID is at most 1023 bytes and equals rawId", |k| matches!(k, ErrorKind::CredentialId)),
];

/// §7.2, authentication.
pub const AUTHENTICATION: &[Step] = &[
    step("-", "the case's relying party, state and stored credential are valid", config),
    step("-", "the response JSON parses (id is base64url of rawId, type public-key)", response_json),
    step("-", "the ceremony state has not expired", |k| matches!(k, ErrorKind::CeremonyExpired)),
    step("5", "the credential is in allowCredentials", |k| matches!(k, ErrorKind::CredentialNotAllowed)),
    step("6", "the credential belongs to the user (userHandle)", |k| matches!(k, ErrorKind::UserHandle)),
    step("7", "the presented credential is the stored one", |k| matches!(k, ErrorKind::CredentialId)),
    step("8-10", "clientDataJSON and authenticator data parse", |k| {
        matches!(k, ErrorKind::Malformed(Input::ClientData | Input::AuthenticatorData))
    }),
    step("11", "clientDataJSON.type is webauthn.get", |k| matches!(k, ErrorKind::ClientDataType)),
    step("12", "clientDataJSON.challenge is the issued challenge", |k| matches!(k, ErrorKind::Challenge)),
    step("13", "clientDataJSON.origin is a configured origin", |k| matches!(k, ErrorKind::Origin)),
    step("14", "topOrigin / crossOrigin allowed", |k| matches!(k, ErrorKind::TopOrigin)),
    step("15", "rpIdHash is SHA-256 of the RP ID (or of the requested AppID)", |k| matches!(k, ErrorKind::RpIdHash)),
    step("16", "UP is set", |k| matches!(k, ErrorKind::UserPresence)),
    step("17", "UV is set when required", |k| matches!(k, ErrorKind::UserVerification)),
    step("18", "BE is unchanged since registration", |k| matches!(k, ErrorKind::BackupEligibility)),
    step("19", "extension outputs match the request", |k| matches!(k, ErrorKind::Extension(_))),
    step(
        "20-21",
        "the signature over authenticatorData || SHA-256(clientDataJSON) verifies with the stored key",
        |k| {
            matches!(
                k,
                ErrorKind::Signature
                    | ErrorKind::Malformed(Input::CoseKey | Input::Signature)
                    | ErrorKind::AlgorithmNotAllowed
                    | ErrorKind::UnsupportedKey
            )
        },
    ),
    step("22", "signCount increased (or both zero)", |k| matches!(k, ErrorKind::Counter)),
];

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Checked and passed.
    Passed,
    /// The check that failed.
    Failed,
    /// After the failure: not run.
    NotReached,
}

/// The verdict of every step, given the failure (`None`: everything passed). A failure no
/// step owns marks the last step failed, so nothing is reported as passed that was not.
pub fn verdicts(steps: &[Step], failure: Option<ErrorKind>) -> Vec<Verdict> {
    let Some(kind) = failure else {
        return vec![Verdict::Passed; steps.len()];
    };
    let failed = steps.iter().position(|s| (s.owns)(kind)).unwrap_or(steps.len().saturating_sub(1));
    (0..steps.len())
        .map(|i| match i.cmp(&failed) {
            core::cmp::Ordering::Less => Verdict::Passed,
            core::cmp::Ordering::Equal => Verdict::Failed,
            core::cmp::Ordering::Greater => Verdict::NotReached,
        })
        .collect()
}
