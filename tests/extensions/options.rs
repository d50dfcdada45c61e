//! The options dictionaries in full: every Level 3 member the relying party chose is in the
//! JSON, nothing else is, and the JSON reads back to the same options.

use super::{user, NOW};
use getrandom::SysRng;
use passkey_verifier::extensions::{
    AuthenticationExtensions, CredentialProtectionPolicy, LargeBlobSupport, PrfValues, RegistrationExtensions,
};
use passkey_verifier::{
    start_authentication, start_registration, AttestationConveyance, AttestationFormat, AuthenticationOptions,
    AuthenticatorAttachment, CreationOptionsJson, CredentialDescriptor, Hint, RegistrationOptions, RelyingParty,
    RequestOptionsJson, ResidentKey, UserVerification,
};
use rand_core::UnwrapErr;
use serde_json::{json, Value};

/// The members of the WebAuthn Level 3 IDL dictionaries (§5.1.9, §5.1.10, §5.4).
const CREATION_MEMBERS: &[&str] = &[
    "rp",
    "user",
    "challenge",
    "pubKeyCredParams",
    "timeout",
    "excludeCredentials",
    "authenticatorSelection",
    "hints",
    "attestation",
    "attestationFormats",
    "extensions",
];
const REQUEST_MEMBERS: &[&str] =
    &["challenge", "timeout", "rpId", "allowCredentials", "userVerification", "hints", "extensions"];
const SELECTION_MEMBERS: &[&str] =
    &["authenticatorAttachment", "residentKey", "requireResidentKey", "userVerification"];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn creation_options_carry_every_choice_and_read_back_unchanged() {
    let rp = RelyingParty::builder("example.com").name("Example").origin("https://example.com").build().unwrap();
    let mut options = RegistrationOptions::default();
    options.user_verification = UserVerification::Required;
    options.resident_key = ResidentKey::Required;
    options.attachment = Some(AuthenticatorAttachment::CrossPlatform);
    options.attestation = AttestationConveyance::Direct;
    options.attestation_formats = vec![AttestationFormat::Packed, AttestationFormat::Tpm];
    options.hints = vec![Hint::SecurityKey, Hint::Hybrid];
    options.exclude_credentials = vec![CredentialDescriptor { id: vec![1, 2, 3], transports: vec!["usb".into()] }];
    options.extensions = RegistrationExtensions::default()
        .with_credential_protection(CredentialProtectionPolicy::UserVerificationOptionalWithCredentialIdList, true)
        .with_prf(Some(PrfValues::two(b"one".to_vec(), b"two".to_vec())))
        .with_large_blob(LargeBlobSupport::Preferred)
        .with_appid_exclude("https://example.com/appid.json")
        .with_min_pin_length();
    let (json, _) = start_registration(&rp, &user(), &options, &mut UnwrapErr(SysRng), NOW).unwrap();
    let value = serde_json::to_value(&json).unwrap();
    for member in keys(&value) {
        assert!(CREATION_MEMBERS.contains(&member), "{member} is not a dictionary member");
    }
    for member in keys(&value["authenticatorSelection"]) {
        assert!(SELECTION_MEMBERS.contains(&member), "{member}");
    }
    assert_eq!(value["hints"], json!(["security-key", "hybrid"]));
    assert_eq!(value["attestation"], "direct");
    assert_eq!(value["attestationFormats"], json!(["packed", "tpm"]));
    assert_eq!(
        value["authenticatorSelection"],
        json!({ "authenticatorAttachment": "cross-platform", "residentKey": "required",
                "requireResidentKey": true, "userVerification": "required" })
    );
    assert_eq!(value["excludeCredentials"], json!([{ "type": "public-key", "id": "AQID", "transports": ["usb"] }]));
    assert_eq!(
        value["extensions"],
        json!({
            "credProps": true,
            "credentialProtectionPolicy": "userVerificationOptionalWithCredentialIDList",
            "enforceCredentialProtectionPolicy": true,
            "prf": { "eval": { "first": "b25l", "second": "dHdv" } },
            "largeBlob": { "support": "preferred" },
            "appidExclude": "https://example.com/appid.json",
            "minPinLength": true,
        })
    );
    let back: CreationOptionsJson = serde_json::from_str(&json.to_json()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), value);
}

#[test]
fn request_options_carry_every_choice_and_read_back_unchanged() {
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let mut options = AuthenticationOptions::default();
    options.user_handle = Some(user().id);
    options.user_verification = UserVerification::Discouraged;
    options.hints = vec![Hint::ClientDevice];
    options.allow_credentials = vec![CredentialDescriptor { id: vec![9; 4], transports: vec!["internal".into()] }];
    options.extensions = AuthenticationExtensions::default()
        .with_appid("https://example.com/appid.json")
        .with_prf(None, &[(&[9; 4], PrfValues::one(b"salt".to_vec()))])
        .with_large_blob_read();
    let (json, _) = start_authentication(&rp, &options, &mut UnwrapErr(SysRng), NOW).unwrap();
    let value = serde_json::to_value(&json).unwrap();
    for member in keys(&value) {
        assert!(REQUEST_MEMBERS.contains(&member), "{member} is not a dictionary member");
    }
    assert_eq!(value["rpId"], "example.com");
    assert_eq!(value["userVerification"], "discouraged");
    assert_eq!(value["hints"], json!(["client-device"]));
    assert_eq!(
        value["extensions"],
        json!({
            "appid": "https://example.com/appid.json",
            "prf": { "evalByCredential": { "CQkJCQ": { "first": "c2FsdA" } } },
            "largeBlob": { "read": true },
        })
    );
    let back: RequestOptionsJson = serde_json::from_str(&json.to_json()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), value);
    // Debug shows what was requested, never the salts.
    assert!(!format!("{json:?}").contains("c2FsdA") && !format!("{json:?}").contains("salt"));
}

#[test]
fn default_options_request_cred_props_and_nothing_else() {
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let (json, _) =
        start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let value = serde_json::to_value(&json).unwrap();
    assert_eq!(value["extensions"], json!({ "credProps": true }));
    assert!(value.get("hints").is_none() && value.get("attestationFormats").is_none());
    let (json, _) = start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    assert!(serde_json::to_value(&json).unwrap().get("extensions").is_none());
}
