//! Extensions (§9, §10): each requested, answered by the software authenticator, verified
//! and returned typed; and every way an output can contradict the request, refused with the
//! `extension` category.

mod mediation;
mod options;

use getrandom::SysRng;
use passkey_verifier::extensions::{
    AuthenticationExtensions, CredentialProtectionPolicy, ExtensionOutputs, LargeBlobSupport, PrfValues,
    RegistrationExtensions,
};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, Category, ErrorKind, ExtensionError, Policy, RegistrationOptions, RegistrationResponse,
    RelyingParty, StoredCredential, UnixTime, UnsolicitedExtensions, User,
};
use rand_core::UnwrapErr;
use serde_json::json;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

fn rp(unsolicited: UnsolicitedExtensions) -> RelyingParty {
    let mut policy = Policy::default();
    policy.unsolicited_extensions = unsolicited;
    RelyingParty::builder("example.com").origin("https://example.com").policy(policy).build().unwrap()
}

fn user() -> User {
    User { id: b"user-0001".to_vec(), name: "alice".into(), display_name: "Alice".into() }
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

/// Registers with `extensions` requested; the honest answers are in the knobs before `tweak`
/// plays the client or authenticator that departs from them.
fn register_with(
    extensions: RegistrationExtensions,
    unsolicited: UnsolicitedExtensions,
    tweak: impl FnOnce(&mut Knobs),
) -> passkey_verifier::Result<ExtensionOutputs> {
    register_full(extensions, unsolicited, tweak).map(|(_, _, outputs)| outputs)
}

fn register_full(
    extensions: RegistrationExtensions,
    unsolicited: UnsolicitedExtensions,
    tweak: impl FnOnce(&mut Knobs),
) -> passkey_verifier::Result<(SoftCredential, StoredCredential, ExtensionOutputs)> {
    let rp = rp(unsolicited);
    let mut options = RegistrationOptions::default();
    options.extensions = extensions;
    let (json, state) = start_registration(&rp, &user(), &options, &mut UnwrapErr(SysRng), NOW)?;
    let requested = serde_json::to_value(&json).unwrap()["extensions"].clone();
    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    let mut k = knobs();
    cred.answer_extensions(&requested, true, &mut k);
    tweak(&mut k);
    let posted = cred.register(state.challenge().as_bytes(), &k);
    let verified = verify_registration(&rp, state, RegistrationResponse::from_json_str(&posted)?, NOW)?;
    let outputs = verified.extensions().clone();
    Ok((cred, verified.to_stored_credential(), outputs))
}

/// Signs in with `extensions` requested (the credential in `allowCredentials`).
fn sign_in_with(
    extensions: impl FnOnce(&[u8]) -> AuthenticationExtensions,
    unsolicited: UnsolicitedExtensions,
    tweak: impl FnOnce(&mut Knobs),
) -> passkey_verifier::Result<ExtensionOutputs> {
    let (mut cred, stored, _) =
        register_full(RegistrationExtensions::none(), UnsolicitedExtensions::Ignore, |_| {}).unwrap();
    let rp = rp(unsolicited);
    let mut options = AuthenticationOptions::default();
    options.user_handle = Some(user().id);
    options.allow_credentials =
        vec![passkey_verifier::CredentialDescriptor { id: cred.id().to_vec(), transports: Vec::new() }];
    options.extensions = extensions(cred.id());
    let (json, state) = start_authentication(&rp, &options, &mut UnwrapErr(SysRng), NOW)?;
    let requested = serde_json::to_value(&json).unwrap()["extensions"].clone();
    let mut k = knobs();
    cred.answer_extensions(&requested, false, &mut k);
    tweak(&mut k);
    let posted = cred.assert(state.challenge().as_bytes(), &k);
    let verified = verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&posted)?, &stored, NOW)?;
    Ok(verified.extensions().clone())
}

fn extension_error(result: passkey_verifier::Result<ExtensionOutputs>) -> ExtensionError {
    let err = result.unwrap_err();
    assert_eq!(err.category(), Category::Extension, "{err}");
    match err.kind() {
        ErrorKind::Extension(reason) => reason,
        other => panic!("not an extension failure: {other:?}"),
    }
}

const IGNORE: UnsolicitedExtensions = UnsolicitedExtensions::Ignore;
const REJECT: UnsolicitedExtensions = UnsolicitedExtensions::Reject;

#[test]
fn cred_props_reports_discoverability_and_refuses_a_wrong_shape() {
    let out = register_with(RegistrationExtensions::default(), IGNORE, |_| {}).unwrap();
    assert_eq!(out.discoverable, Some(true));
    let out =
        register_with(RegistrationExtensions::default(), IGNORE, |k| k.client_extension_results = json!({})).unwrap();
    assert_eq!(out.discoverable, None, "a client that does not answer leaves it unknown");
    let bad = |k: &mut Knobs| k.client_extension_results = json!({ "credProps": { "rk": "yes" } });
    assert_eq!(
        extension_error(register_with(RegistrationExtensions::default(), IGNORE, bad)),
        ExtensionError::InvalidOutput
    );
}

#[test]
fn unsolicited_outputs_are_ignored_by_default_and_refused_when_asked() {
    let unasked = |k: &mut Knobs| k.client_extension_results = json!({ "credProps": { "rk": "not even checked" } });
    let out = register_with(RegistrationExtensions::none(), IGNORE, unasked).unwrap();
    assert_eq!(out, ExtensionOutputs::default(), "ignored outputs are not reported");
    assert_eq!(
        extension_error(register_with(RegistrationExtensions::none(), REJECT, unasked)),
        ExtensionError::Unsolicited
    );

    let unknown_client = |k: &mut Knobs| k.client_extension_results = json!({ "credProps": { "rk": true }, "uvm": [] });
    assert!(register_with(RegistrationExtensions::default(), IGNORE, unknown_client).is_ok());
    assert_eq!(
        extension_error(register_with(RegistrationExtensions::default(), REJECT, unknown_client)),
        ExtensionError::Unsolicited
    );
    // The same output, requested as a pass-through extension, passes under `Reject`.
    let mut with_uvm = RegistrationExtensions::default();
    with_uvm.other.insert("uvm".into(), json!(true));
    assert!(register_with(with_uvm, REJECT, unknown_client).is_ok());

    let cbor = |pairs: Vec<(ciborium::Value, ciborium::Value)>| {
        let mut out = Vec::new();
        ciborium::into_writer(&ciborium::Value::Map(pairs), &mut out).unwrap();
        out
    };
    let cred_blob = cbor(vec![(ciborium::Value::Text("credBlob".into()), ciborium::Value::Bool(true))]);
    let unknown_authenticator = move |k: &mut Knobs| k.authenticator_extensions = Some(cred_blob);
    assert!(register_with(RegistrationExtensions::default(), IGNORE, unknown_authenticator.clone()).is_ok());
    assert_eq!(
        extension_error(register_with(RegistrationExtensions::default(), REJECT, unknown_authenticator)),
        ExtensionError::Unsolicited
    );
}

#[test]
fn cred_protect_is_checked_against_the_enforced_level() {
    let required = CredentialProtectionPolicy::UserVerificationRequired;
    let enforced = || RegistrationExtensions::default().with_credential_protection(required, true);
    assert_eq!(register_with(enforced(), IGNORE, |_| {}).unwrap().credential_protection, Some(required));

    let level = |n: u64| {
        let mut out = Vec::new();
        let map = vec![(ciborium::Value::Text("credProtect".into()), ciborium::Value::Integer(n.into()))];
        ciborium::into_writer(&ciborium::Value::Map(map), &mut out).unwrap();
        out
    };
    let weaker = level(1);
    let weak = move |k: &mut Knobs| k.authenticator_extensions = Some(weaker);
    assert_eq!(extension_error(register_with(enforced(), IGNORE, weak.clone())), ExtensionError::ProtectionTooWeak);
    let missing = |k: &mut Knobs| k.authenticator_extensions = None;
    assert_eq!(extension_error(register_with(enforced(), IGNORE, missing)), ExtensionError::ProtectionTooWeak);
    let out_of_range = level(7);
    let invalid = move |k: &mut Knobs| k.authenticator_extensions = Some(out_of_range);
    assert_eq!(extension_error(register_with(enforced(), IGNORE, invalid)), ExtensionError::InvalidOutput);

    // Not enforced: a weaker (or absent) level passes and is reported as it is.
    let preferred = RegistrationExtensions::default().with_credential_protection(required, false);
    let out = register_with(preferred.clone(), IGNORE, weak).unwrap();
    assert_eq!(out.credential_protection, Some(CredentialProtectionPolicy::UserVerificationOptional));
    assert_eq!(register_with(preferred, IGNORE, missing).unwrap().credential_protection, None);
}

#[test]
fn prf_results_must_answer_the_salts_that_were_sent() {
    let salt = || PrfValues::one(b"salt one".to_vec());
    let out = register_with(RegistrationExtensions::none().with_prf(Some(salt())), IGNORE, |_| {}).unwrap();
    let prf = out.prf.unwrap();
    assert_eq!(prf.enabled, Some(true));
    let results = prf.results.unwrap();
    assert_eq!((results.first.len(), results.second.is_none()), (32, true));
    assert!(!format!("{results:?}").contains(&passkey_verifier::hazmat::b64::encode(&results.first)));

    // Results at registration without `eval`: nothing was asked to be evaluated.
    let unasked = |k: &mut Knobs| {
        k.client_extension_results["prf"]["results"] =
            json!({ "first": passkey_verifier::hazmat::b64::encode(&[1; 32]) });
    };
    let err = register_with(RegistrationExtensions::none().with_prf(None), IGNORE, unasked);
    assert_eq!(extension_error(err), ExtensionError::Contradicts);

    let eval = |_: &[u8]| AuthenticationExtensions::default().with_prf(Some(salt()), &[]);
    let out = sign_in_with(eval, IGNORE, |_| {}).unwrap();
    assert_eq!(out.prf.unwrap().results.unwrap().first.len(), 32);
    let second = |k: &mut Knobs| {
        k.client_extension_results["prf"]["results"]["second"] = json!(passkey_verifier::hazmat::b64::encode(&[2; 32]));
    };
    assert_eq!(extension_error(sign_in_with(eval, IGNORE, second)), ExtensionError::Contradicts);
    let short = |k: &mut Knobs| {
        k.client_extension_results["prf"]["results"]["first"] = json!(passkey_verifier::hazmat::b64::encode(&[2; 16]));
    };
    assert_eq!(extension_error(sign_in_with(eval, IGNORE, short)), ExtensionError::InvalidOutput);
    let enabled = |k: &mut Knobs| k.client_extension_results["prf"]["enabled"] = json!(true);
    assert_eq!(extension_error(sign_in_with(eval, IGNORE, enabled)), ExtensionError::Contradicts);

    // evalByCredential: this credential's entry (two salts) wins over `eval` (one).
    let by_credential = |id: &[u8]| {
        AuthenticationExtensions::default()
            .with_prf(Some(salt()), &[(id, PrfValues::two(b"a".to_vec(), b"b".to_vec()))])
    };
    let out = sign_in_with(by_credential, IGNORE, |_| {}).unwrap();
    assert!(out.prf.unwrap().results.unwrap().second.is_some());
}

#[test]
fn large_blob_outputs_follow_the_operation() {
    let support = |s| RegistrationExtensions::none().with_large_blob(s);
    assert_eq!(
        register_with(support(LargeBlobSupport::Required), IGNORE, |_| {}).unwrap().large_blob.unwrap().supported,
        Some(true)
    );
    let unsupported = |k: &mut Knobs| k.client_extension_results["largeBlob"] = json!({ "supported": false });
    assert_eq!(
        extension_error(register_with(support(LargeBlobSupport::Required), IGNORE, unsupported)),
        ExtensionError::Contradicts
    );
    assert!(register_with(support(LargeBlobSupport::Preferred), IGNORE, unsupported).is_ok());
    let blob_at_registration = |k: &mut Knobs| k.client_extension_results["largeBlob"] = json!({ "blob": "AAAA" });
    assert_eq!(
        extension_error(register_with(support(LargeBlobSupport::Preferred), IGNORE, blob_at_registration)),
        ExtensionError::Contradicts
    );

    let read = |_: &[u8]| AuthenticationExtensions::default().with_large_blob_read();
    assert_eq!(sign_in_with(read, IGNORE, |_| {}).unwrap().large_blob.unwrap().blob.unwrap(), b"a stored blob");
    let written = |k: &mut Knobs| k.client_extension_results["largeBlob"]["written"] = json!(true);
    assert_eq!(extension_error(sign_in_with(read, IGNORE, written)), ExtensionError::Contradicts);

    let write = |_: &[u8]| AuthenticationExtensions::default().with_large_blob_write(b"new".to_vec());
    assert_eq!(sign_in_with(write, IGNORE, |_| {}).unwrap().large_blob.unwrap().written, Some(true));
    let blob = |k: &mut Knobs| k.client_extension_results["largeBlob"]["blob"] = json!("AAAA");
    assert_eq!(extension_error(sign_in_with(write, IGNORE, blob)), ExtensionError::Contradicts);
}

#[test]
fn inputs_a_browser_refuses_are_refused_when_the_ceremony_starts() {
    let config = |r: passkey_verifier::Result<ExtensionOutputs>| r.unwrap_err().kind() == ErrorKind::Config;
    let mut both = AuthenticationExtensions::default().with_large_blob_read();
    both.large_blob.as_mut().unwrap().write = Some(b"x".to_vec());
    assert!(config(sign_in_with(move |_| both, IGNORE, |_| {})));
    let support = |_: &[u8]| {
        let mut e = AuthenticationExtensions::default();
        e.large_blob = RegistrationExtensions::none().with_large_blob(LargeBlobSupport::Preferred).large_blob;
        e
    };
    assert!(config(sign_in_with(support, IGNORE, |_| {})));
    let stranger =
        |_: &[u8]| AuthenticationExtensions::default().with_prf(None, &[(b"someone else", PrfValues::one(vec![1]))]);
    assert!(config(sign_in_with(stranger, IGNORE, |_| {})));
    let mut read_at_registration = RegistrationExtensions::none();
    read_at_registration.large_blob = AuthenticationExtensions::default().with_large_blob_read().large_blob;
    assert!(config(register_with(read_at_registration, IGNORE, |_| {})));
}

#[test]
fn appid_switches_the_rp_id_hash_only_when_requested_and_confirmed() {
    const APPID: &str = "https://example.com/appid.json";
    let appid_hash = passkey_verifier::hazmat::crypto::sha256(APPID.as_bytes());
    let requested = |_: &[u8]| AuthenticationExtensions::default().with_appid(APPID);
    let u2f = move |k: &mut Knobs| {
        k.rp_id_hash = Some(appid_hash);
        k.client_extension_results = json!({ "appid": true });
    };
    assert_eq!(sign_in_with(requested, IGNORE, u2f).unwrap().appid, Some(true));
    // Honest WebAuthn credential: the client says false and the hash is the RP ID's.
    assert_eq!(sign_in_with(requested, IGNORE, |_| {}).unwrap().appid, Some(false));

    let rp_id = |r: passkey_verifier::Result<ExtensionOutputs>| r.unwrap_err().category();
    // The client says false: the AppID hash is not accepted.
    let denied = move |k: &mut Knobs| k.rp_id_hash = Some(appid_hash);
    assert_eq!(rp_id(sign_in_with(requested, IGNORE, denied)), Category::RpId);
    // Not requested: an `appid: true` of the client's own changes nothing.
    let unrequested = |_: &[u8]| AuthenticationExtensions::default();
    assert_eq!(rp_id(sign_in_with(unrequested, IGNORE, u2f)), Category::RpId);
    // `appid: true` with the RP ID's hash: the hash must then be the AppID's.
    let claimed = |k: &mut Knobs| k.client_extension_results = json!({ "appid": true });
    assert_eq!(rp_id(sign_in_with(requested, IGNORE, claimed)), Category::RpId);
    let not_bool = |k: &mut Knobs| k.client_extension_results = json!({ "appid": "true" });
    assert_eq!(extension_error(sign_in_with(requested, IGNORE, not_bool)), ExtensionError::InvalidOutput);
}

#[test]
fn appid_exclude_and_min_pin_length_are_reported() {
    let extensions =
        RegistrationExtensions::default().with_appid_exclude("https://example.com/appid.json").with_min_pin_length();
    let out = register_with(extensions, REJECT, |_| {}).unwrap();
    assert_eq!(
        (out.appid_exclude, out.min_pin_length),
        (Some(false), Some(passkey_verifier::testkit::SOFT_MIN_PIN_LENGTH))
    );
    let unasked = |k: &mut Knobs| k.client_extension_results = json!({ "appidExclude": true });
    assert_eq!(
        extension_error(register_with(RegistrationExtensions::none(), REJECT, unasked)),
        ExtensionError::Unsolicited
    );
}
