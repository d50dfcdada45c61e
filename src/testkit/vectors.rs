//! Runs ceremony vector files: JSON `{source, license, cases}`, each case a ceremony (`kind`,
//! the relying party, the state, the stored credential for sign-ins, the response as the
//! browser sent it) and, optionally, its expected verdict. The engine behind the
//! `conformance` example and the vector tests.

use serde::Deserialize;

use crate::challenge::{AuthenticationState, Challenge, Mediation, RegistrationState, UnixTime, UserVerification};
use crate::cose::CoseAlgorithm;
use crate::encoding::b64;
use crate::extensions::{AuthenticationExtensions, ExtensionOutputs, RegistrationExtensions, UnsolicitedExtensions};
use crate::rp::{Origin, Policy, RelyingParty};
use crate::verify::{BackupEligibility, StoredCredential};
use crate::wire::json::{AuthenticationResponse, RegistrationResponse};
use crate::{Error, ErrorKind};

/// A vector file: `{source, license, cases}`.
#[derive(Debug, Clone, Deserialize)]
pub struct VectorFile {
    /// Where the cases come from.
    #[serde(default)]
    pub source: String,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One ceremony case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Unique name within the file.
    pub name: String,
    /// `"registration"` or `"authentication"`.
    pub ceremony: String,
    /// The RP ID.
    pub rp_id: String,
    /// Accepted origins.
    pub origins: Vec<String>,
    /// The issued challenge, base64url.
    pub challenge: String,
    /// `"required"`, `"preferred"` or `"discouraged"`.
    pub user_verification: String,
    /// The `PublicKeyCredential` JSON.
    pub response: serde_json::Value,
    /// The stored credential (authentication only).
    #[serde(default)]
    pub credential: Option<CaseCredential>,
    /// Unix seconds to use as the current time.
    #[serde(default)]
    pub now: Option<u64>,
    /// Trust anchors (base64 DER), when the chain must be anchored.
    #[serde(default)]
    pub attestation_roots: Option<Vec<String>>,
    /// Relying-party options that differ from the defaults.
    #[serde(default)]
    pub policy: CasePolicy,
    /// `"conditional"` when the ceremony was started with conditional mediation.
    #[serde(default)]
    pub mediation: Option<String>,
    /// The client extension inputs the server requested, in their WebAuthn JSON form.
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
    /// The verdict; absent in a user's own captures, which are then run and reported only.
    #[serde(default)]
    pub expect: Option<serde_json::Value>,
}

/// The stored credential of an authentication case.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseCredential {
    /// base64url COSE_Key.
    pub public_key: String,
    /// The stored counter.
    pub sign_count: u32,
    /// base64url user handle, or null.
    #[serde(default)]
    pub user_handle: Option<String>,
    /// The BE flag recorded at registration, when the case gives it (not part of the vector
    /// format; unknown otherwise, which is not checked).
    #[serde(default)]
    pub backup_eligible: Option<bool>,
    /// The BS flag last stored, when the case gives it (default: not backed up).
    #[serde(default)]
    pub backup_state: Option<bool>,
}

/// The `policy` object of a case.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CasePolicy {
    /// Accepted COSE algorithms.
    #[serde(default)]
    pub algorithms: Option<Vec<i64>>,
    /// SHA-1 allowed.
    #[serde(default)]
    pub allow_sha1: bool,
    /// Allowed top origins.
    #[serde(default)]
    pub top_origins: Vec<String>,
    /// FIDO conformance / unregistered TPM vendors allowed.
    #[serde(default)]
    pub allow_test_tpm_vendors: bool,
    /// `"ignore"` (default) or `"reject"`: extension outputs that were not requested.
    #[serde(default)]
    pub unsolicited_extensions: Option<String>,
}

/// What running a case produced: the conformance runner's JSON line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The case name.
    pub name: String,
    /// Whether the ceremony verified.
    pub ok: bool,
    /// The failure category, when it failed.
    pub error: Option<&'static str>,
    /// The failure's static detail, when it failed (not part of the vector format).
    #[serde(skip)]
    pub detail: Option<String>,
    /// The failed check, when it failed (not part of the vector format).
    #[serde(skip)]
    pub kind: Option<ErrorKind>,
    /// Attestation format (registration).
    pub fmt: Option<&'static str>,
    /// Credential key algorithm (registration).
    pub alg: Option<i64>,
    /// The sign count the ceremony reported (registration) or the count to store (authentication).
    pub sign_count: Option<u32>,
    /// AAGUID (registration).
    pub aaguid: Option<String>,
    /// Credential ID, base64url.
    pub credential_id: Option<String>,
    /// UP flag.
    pub user_present: Option<bool>,
    /// UV flag.
    pub user_verified: Option<bool>,
    /// BE flag.
    pub backup_eligible: Option<bool>,
    /// BS flag.
    pub backup_state: Option<bool>,
    /// Attestation type (registration).
    pub attestation_type: Option<&'static str>,
    /// Whether attestation trust was established (registration).
    pub trusted: Option<bool>,
    /// The `credProps` `rk` output, when reported (registration).
    pub discoverable: Option<bool>,
    /// Whether BS differs from the stored credential's (authentication).
    pub backup_state_changed: Option<bool>,
    /// How the ceremony was mediated, when conditional.
    pub mediation: Option<&'static str>,
    /// The verified extension outputs, when any: values as reported, PRF results and large
    /// blobs by length only (they are secrets or user data).
    pub extensions: Option<serde_json::Value>,
}

/// The user handle the runner gives a stored credential whose case names no owner (a real
/// relying party always knows which user a credential belongs to).
pub const DEFAULT_OWNER: &[u8] = b"vector-case-owner";

/// The `now` used when a case has none.
pub const DEFAULT_NOW: u64 = 1_700_000_000;

fn config_error(context: &'static str) -> Error {
    Error::new(ErrorKind::Config, context)
}

/// Builds the relying party a case describes.
///
/// # Errors
///
/// [`ErrorKind::Config`] when the case's configuration is invalid.
pub fn relying_party(case: &Case) -> Result<RelyingParty, Error> {
    let mut policy = Policy::default();
    if let Some(algs) = &case.policy.algorithms {
        policy.algorithms = algs.iter().filter_map(|&id| CoseAlgorithm::from_id(id)).collect();
    }
    policy.dangerous.allow_sha1 = case.policy.allow_sha1;
    policy.dangerous.allow_test_tpm_vendors = case.policy.allow_test_tpm_vendors;
    // With roots, the chain must reach one of them (the case's `attestation_roots`).
    policy.require_trusted_attestation = case.attestation_roots.is_some();
    policy.unsolicited_extensions = match case.policy.unsolicited_extensions.as_deref() {
        None | Some("ignore") => UnsolicitedExtensions::Ignore,
        Some("reject") => UnsolicitedExtensions::Reject,
        Some(_) => return Err(config_error("unknown unsolicited_extensions policy")),
    };
    // The cases list origins without saying how they relate to the RP ID (some are on other
    // sites, to test the origin check): web origins outside the RP ID are declared related, so
    // the configuration accepts exactly the listed origins. Unparsable ones fail the build.
    let (related, own): (Vec<&String>, Vec<&String>) = case.origins.iter().partition(|o| {
        Origin::parse(o).is_ok_and(|o| matches!(o, Origin::Web { .. }) && !o.is_within_rp_id(&case.rp_id))
    });
    let mut builder = RelyingParty::builder(&case.rp_id).origins(own).related_origins(related).policy(policy);
    for top in &case.policy.top_origins {
        builder = builder.top_origin(top.clone());
    }
    for root in case.attestation_roots.iter().flatten() {
        builder = builder.attestation_root(b64::decode(root)?);
    }
    builder.build()
}

fn user_verification(text: &str) -> UserVerification {
    match text {
        "required" => UserVerification::Required,
        "discouraged" => UserVerification::Discouraged,
        _ => UserVerification::Preferred,
    }
}

/// Runs one case, without looking at its `expect`.
#[must_use]
pub fn run_case(case: &Case) -> Outcome {
    let mut outcome = Outcome {
        name: case.name.clone(),
        ok: false,
        error: None,
        detail: None,
        kind: None,
        fmt: None,
        alg: None,
        sign_count: None,
        aaguid: None,
        credential_id: None,
        user_present: None,
        user_verified: None,
        backup_eligible: None,
        backup_state: None,
        attestation_type: None,
        trusted: None,
        discoverable: None,
        backup_state_changed: None,
        mediation: None,
        extensions: None,
    };
    if let Err(e) = run_into(case, &mut outcome) {
        outcome.ok = false;
        outcome.error = Some(e.category().as_str());
        outcome.detail = Some(e.to_string());
        outcome.kind = Some(e.kind());
    }
    outcome
}

fn run_into(case: &Case, out: &mut Outcome) -> Result<(), Error> {
    let rp = relying_party(case)?;
    let now = UnixTime::from_secs(case.now.unwrap_or(DEFAULT_NOW));
    let expires = now.plus_secs(300);
    let challenge = Challenge::from_bytes(b64::decode(&case.challenge)?)?;
    let uv = user_verification(&case.user_verification);
    let json = serde_json::to_vec(&case.response).map_err(|_| config_error("response is not JSON"))?;
    let mediation = match case.mediation.as_deref() {
        None => Mediation::Modal,
        Some("conditional") => Mediation::Conditional,
        Some(_) => return Err(config_error("unknown mediation")),
    };
    let extensions = case.extensions.clone().unwrap_or_else(|| serde_json::json!({}));
    match case.ceremony.as_str() {
        "registration" => {
            let requested: RegistrationExtensions = serde_json::from_value(extensions)
                .map_err(|_| config_error("extensions are not registration inputs"))?;
            let state =
                RegistrationState::new(challenge, DEFAULT_OWNER.to_vec(), uv, rp.policy().algorithms.clone(), expires)?
                    .with_mediation(mediation)
                    .with_extensions(&requested)?;
            let response = RegistrationResponse::from_json(&json)?;
            let v = crate::verify_registration(&rp, state, response, now)?;
            out.ok = true;
            out.user_present = Some(v.user_present());
            out.discoverable = v.extensions().discoverable;
            out.mediation = conditional(v.mediation());
            out.extensions = report(v.extensions());
            out.fmt = Some(v.attestation().format().as_str());
            out.alg = Some(v.alg().id());
            out.sign_count = Some(v.sign_count());
            out.aaguid = Some(v.aaguid_string());
            out.credential_id = Some(b64::encode(v.credential_id()));
            out.user_verified = Some(v.flags().user_verified());
            out.backup_eligible = Some(v.flags().backup_eligible());
            out.backup_state = Some(v.flags().backup_state());
            out.attestation_type = Some(v.attestation().kind().as_str());
            out.trusted = Some(v.attestation().trusted());
        }
        "authentication" => {
            let stored =
                case.credential.as_ref().ok_or_else(|| config_error("authentication case without credential"))?;
            let owner = match &stored.user_handle {
                Some(h) => b64::decode(h)?,
                None => DEFAULT_OWNER.to_vec(),
            };
            let response = AuthenticationResponse::from_json(&json)?;
            let mut credential = StoredCredential::new(
                response.raw_id().to_vec(),
                b64::decode(&stored.public_key)?,
                stored.sign_count,
                owner.clone(),
            );
            credential.backup_eligible = BackupEligibility::from_stored(stored.backup_eligible);
            credential.backup_state = stored.backup_state.unwrap_or(false);
            let requested: AuthenticationExtensions = serde_json::from_value(extensions)
                .map_err(|_| config_error("extensions are not authentication inputs"))?;
            // A conditional (autofill) sign-in is username-less; the owner then comes from the
            // returned user handle.
            let identified = (mediation == Mediation::Modal).then_some(owner);
            let state = AuthenticationState::new(challenge, identified, uv, Vec::new(), expires)?
                .with_mediation(mediation)?
                .with_extensions(&requested)?;
            let v = crate::verify_authentication(&rp, state, response, &credential, now)?;
            out.ok = true;
            out.user_present = Some(v.user_present());
            out.backup_state_changed = Some(v.update().backup_state_changed);
            out.mediation = conditional(v.mediation());
            out.extensions = report(v.extensions());
            out.sign_count = Some(v.sign_count());
            out.credential_id = Some(b64::encode(v.credential_id()));
            out.user_verified = Some(v.flags().user_verified());
            out.backup_eligible = Some(v.flags().backup_eligible());
            out.backup_state = Some(v.flags().backup_state());
        }
        _ => return Err(config_error("unknown ceremony")),
    }
    Ok(())
}

const fn conditional(mediation: Mediation) -> Option<&'static str> {
    match mediation {
        Mediation::Conditional => Some("conditional"),
        Mediation::Modal => None,
    }
}

/// The outputs as the runner reports them: secrets and user data by length only.
fn report(outputs: &ExtensionOutputs) -> Option<serde_json::Value> {
    let mut map = serde_json::Map::new();
    let mut put = |key: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    };
    put("credProps", outputs.discoverable.map(|rk| serde_json::json!({ "rk": rk })));
    put("credProtect", outputs.credential_protection.map(|p| serde_json::json!(p.level())));
    put(
        "prf",
        outputs.prf.as_ref().map(|p| {
            let lengths = p.results.as_ref().map(
                |r| serde_json::json!({ "first_len": r.first.len(), "second_len": r.second.as_ref().map(Vec::len) }),
            );
            serde_json::json!({ "enabled": p.enabled, "results": lengths })
        }),
    );
    put(
        "largeBlob",
        outputs.large_blob.as_ref().map(|l| {
            serde_json::json!({ "supported": l.supported, "blob_len": l.blob.as_ref().map(Vec::len), "written": l.written })
        }),
    );
    put("appid", outputs.appid.map(serde_json::Value::Bool));
    put("appidExclude", outputs.appid_exclude.map(serde_json::Value::Bool));
    put("minPinLength", outputs.min_pin_length.map(|n| serde_json::json!(n)));
    (!map.is_empty()).then_some(serde_json::Value::Object(map))
}

/// How an outcome compares with a case's `expect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agreement {
    /// Same verdict, same category and every expected field equal.
    Agrees,
    /// Same verdict (failure) but another category than expected.
    CategoryDiffers {
        /// The expected category.
        expected: String,
    },
    /// A different verdict, or an expected field that differs.
    Disagrees(String),
    /// The case has no `expect`: nothing to compare (a user's own capture).
    NoVerdict,
}

/// Compares `outcome` with the case's `expect`.
#[must_use]
pub fn compare(case: &Case, outcome: &Outcome) -> Agreement {
    let Some(expect) = &case.expect else {
        return Agreement::NoVerdict;
    };
    let expected_ok = expect.get("ok").and_then(serde_json::Value::as_bool).unwrap_or(false);
    if expected_ok != outcome.ok {
        return Agreement::Disagrees(format!(
            "expected ok={expected_ok}, got ok={} ({})",
            outcome.ok,
            outcome.detail.as_deref().unwrap_or("verified")
        ));
    }
    if !expected_ok {
        let expected = expect.get("error").and_then(serde_json::Value::as_str).unwrap_or_default();
        if !expected.is_empty() && Some(expected) != outcome.error {
            return Agreement::CategoryDiffers { expected: expected.to_owned() };
        }
        return Agreement::Agrees;
    }
    let actual = serde_json::to_value(outcome).unwrap_or_default();
    if let Some(fields) = expect.as_object() {
        for (key, want) in fields {
            if key == "ok" {
                continue;
            }
            let got = actual.get(key).cloned().unwrap_or_default();
            let equal = match (key.as_str(), want, &got) {
                ("credential_id", serde_json::Value::String(w), serde_json::Value::String(g)) => {
                    b64::decode(w).ok() == b64::decode(g).ok()
                }
                ("aaguid", serde_json::Value::String(w), serde_json::Value::String(g)) => w.eq_ignore_ascii_case(g),
                _ => &got == want,
            };
            if !equal {
                return Agreement::Disagrees(format!("{key}: expected {want}, got {got}"));
            }
        }
    }
    Agreement::Agrees
}
